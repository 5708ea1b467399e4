// The subject of bench/index.bench.ts in its own process: a full thriftgate gateway (the `serve`
// path: cache and index plugins) from the config file given, reporting its ports and RSS over IPC.
import { loadConfig } from '../../proxy/config/index.js'
import { createLogger } from '../../proxy/log/index.js'
import { startGateway } from '../../proxy/cli/gateway.js'

const config = loadConfig({ file: process.argv[2], env: {} })
const gateway = await startGateway(config, createLogger({ level: 'warn' }))
process.send?.({ port: gateway.listen.port, admin: gateway.adminAddress.port })
process.on('message', (m: { rss?: boolean }) => {
  if (m.rss === true) process.send?.({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 })
})
process.on('disconnect', () => {
  void gateway.shutdown('bench done').then(() => process.exit(0))
})
