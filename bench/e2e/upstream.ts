// The bench upstream: the real `thrift` library Interop server (test/idl/interop.thrift), in its own
// process. Prints nothing; tells the parent its port over IPC.
import { startInteropServer } from '../../test/support/interop-server.js'

const transport = process.argv[2] === 'buffered' ? 'buffered' : 'framed'
const server = await startInteropServer({ transport, protocol: 'binary' })
process.send?.({ port: server.port })
process.on('message', (m: { rss?: boolean; cpu?: boolean }) => {
  if (m.rss === true) process.send?.({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 })
  if (m.cpu === true) {
    const u = process.cpuUsage()
    process.send?.({ cpuMicros: u.user + u.system })
  }
})
process.on('disconnect', () => process.exit(0))
