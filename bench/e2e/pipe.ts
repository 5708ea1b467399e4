// Baseline (b): a plain TCP pipe in Node, `socket.pipe` both ways, one upstream connection per
// client connection like the proxy. Nagle is off on both sides, as in the proxy, so that the
// comparison measures forwarding work and not a socket option.
import net from 'node:net'

const upstreamPort = Number(process.argv[2])
const server = net.createServer({ noDelay: true }, (client) => {
  const up = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true })
  client.pipe(up).pipe(client)
  client.on('error', () => up.destroy())
  up.on('error', () => client.destroy())
})
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as net.AddressInfo).port })
})
process.on('message', (m: { rss?: boolean; cpu?: boolean }) => {
  if (m.rss === true) process.send?.({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 })
  if (m.cpu === true) {
    const u = process.cpuUsage()
    process.send?.({ cpuMicros: u.user + u.system })
  }
})
process.on('disconnect', () => process.exit(0))
