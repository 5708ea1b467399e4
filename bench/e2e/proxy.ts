// Subject (c): thriftgate forwarding with no caching (no handlers), default options, own process.
import { ThriftProxy } from '../../proxy/core/index.js'

const upstreamPort = Number(process.argv[2])
const proxy = new ThriftProxy({ upstream: { host: '127.0.0.1', port: upstreamPort } })
const { port } = await proxy.start()
process.send?.({ port })
process.on('message', (m: { rss?: boolean; cpu?: boolean }) => {
  if (m.rss === true) process.send?.({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 })
  if (m.cpu === true) {
    const u = process.cpuUsage()
    process.send?.({ cpuMicros: u.user + u.system })
  }
})
process.on('disconnect', () => {
  proxy.destroy()
  process.exit(0)
})
