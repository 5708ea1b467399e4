// Dev aid for bench/e2e-instructions.bench.ts: upstream (raw socket, answers add(1, 2) in order),
// forwarder (a plain pipe or thriftgate) and client (C connections x D calls in flight), all in ONE
// process and in buffered (unframed) binary, so that callgrind counts every user-space instruction
// of a call. Env: MODE=pipe|proxy, N calls measured after WARM calls, D, C.
import net from 'node:net'
import { once } from 'node:events'
import { ThriftProxy } from '../../proxy/core/index.js'

const N = Number(process.env.N ?? 0)
const WARM = Number(process.env.WARM ?? 3000)
const MODE = process.env.MODE ?? 'proxy'
const D = Number(process.env.D ?? 1)
const C = Number(process.env.C ?? 1)

function call(seqid: number): Buffer {
  const msg = Buffer.alloc(30)
  let o = msg.writeUInt32BE(0x80010001, 0); o = msg.writeInt32BE(3, o); o += msg.write('add', o); o = msg.writeInt32BE(seqid, o)
  o = msg.writeUInt8(8, o); o = msg.writeInt16BE(1, o); o = msg.writeInt32BE(1, o); o = msg.writeUInt8(8, o); o = msg.writeInt16BE(2, o); o = msg.writeInt32BE(2, o); msg.writeUInt8(0, o)
  return msg
}
function reply(seqid: number): Buffer {
  const msg = Buffer.alloc(4 + 4 + 3 + 4 + 7 + 1)
  let o = msg.writeUInt32BE(0x80010002, 0); o = msg.writeInt32BE(3, o); o += msg.write('add', o); o = msg.writeInt32BE(seqid, o)
  o = msg.writeUInt8(8, o); o = msg.writeInt16BE(0, o); o = msg.writeInt32BE(3, o); msg.writeUInt8(0, o)
  return msg
}
const upstream = net.createServer({ noDelay: true }, (s) => {
  let pend: Buffer = Buffer.alloc(0)
  s.on('data', (d: Buffer) => {
    pend = pend.length === 0 ? d : Buffer.concat([pend, d])
    const out: Buffer[] = []
    while (pend.length >= 30) { out.push(reply(pend.readInt32BE(11))); pend = pend.subarray(30) }
    if (out.length > 0) s.write(out.length === 1 ? out[0]! : Buffer.concat(out))
  })
})
upstream.listen(0, '127.0.0.1'); await once(upstream, 'listening')
const upPort = (upstream.address() as net.AddressInfo).port
let port: number
if (MODE === 'pipe') {
  const server = net.createServer({ noDelay: true }, (client) => {
    const up = net.connect({ port: upPort, host: '127.0.0.1', noDelay: true })
    client.pipe(up).pipe(client)
  })
  server.listen(0, '127.0.0.1'); await once(server, 'listening')
  port = (server.address() as net.AddressInfo).port
} else {
  const proxy = new ThriftProxy({ upstream: { host: '127.0.0.1', port: upPort } })
  port = (await proxy.start()).port
}
const calls = Array.from({ length: 8 }, (_, i) => call(i + 1))
async function load(n: number): Promise<void> {
  if (n === 0) return
  let left = n
  await Promise.all(Array.from({ length: C }, async () => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true }); await once(s, 'connect')
    let partial = 0, inflight = 0, k = 0
    await new Promise<void>((resolve) => {
      const send = (m: number) => { s.cork(); for (let i = 0; i < m && left > 0; i++) { left--; inflight++; s.write(calls[k++ & 7]!) } s.uncork() }
      s.on('data', (d: Buffer) => {
        partial += d.length; let got = 0
        while (partial >= 23) { partial -= 23; got++; inflight-- }
        send(got)
        if (inflight === 0 && left === 0) { s.destroy(); resolve() }
      })
      send(D)
    })
  }))
}
await load(WARM)
await load(N)
process.exit(0)
