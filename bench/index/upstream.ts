// The bench's upstream in its own process: the demo UserService (thrift library) seeded with N users,
// whose getUserByEmail and listUsersByAge scan every user (the slowness indexes exist for).
import { startDemoUpstream } from '../../proxy/demo/index.js'

const up = await startDemoUpstream({ seed: Number(process.argv[2]), transport: 'framed', protocol: 'binary' })
process.send?.({ port: up.port })
process.on('disconnect', () => void up.close().then(() => process.exit(0)))
