// Limits: max connections, max calls in flight per connection (backpressure, not rejection),
// idle timeout, and bounded buffering when a client stops reading.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TApplicationExceptionType as AppX } from '../../proxy/codec/index.js'
import { connectInteropClient, startInteropServer, type InteropClient } from '../support/thrift-peers.js'
import { sleep } from '../support/net.js'
import { rawConnect, startRawServer } from '../support/raw-tcp.js'
import { appError, callBytes, FRAMED_BINARY, MessageReader, outcome, slowArgs, startProxy, stringSuccess } from './harness.js'

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

const framedBinary = { transport: 'framed', protocol: 'binary' } as const

describe('limits', () => {
  test('maxConnections: a connection over the limit gets INTERNAL_ERROR on its first call', async () => {
    const server = await startInteropServer(framedBinary)
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { maxConnections: 2 } })
    cleanup.push(() => p.close())
    const a = await connectInteropClient(p.port, framedBinary)
    const b = await connectInteropClient(p.port, framedBinary)
    cleanup.push(() => a.close(), () => b.close())
    assert.equal(await a.add(1, 1), 2)
    assert.equal(await b.add(1, 1), 2)
    const c = await connectInteropClient(p.port, framedBinary)
    cleanup.push(() => c.close())
    const e = appError(await outcome(c.add(1, 1)))
    assert.equal(e?.type, AppX.INTERNAL_ERROR)
    assert.match(e?.message ?? '', /too many connections \(max 2\)/)
    await c.closed
    assert.equal(p.proxy.stats().rejectedConnections, 1)
    // A slot frees when a client leaves.
    await a.close()
    let d: InteropClient | undefined
    for (let i = 0; i < 50; i++) {
      if (p.proxy.stats().openConnections < 2) break
      await sleep(10)
    }
    d = await connectInteropClient(p.port, framedBinary)
    cleanup.push(() => d?.close())
    assert.equal(await d.add(2, 2), 4)
  })

  test('maxInFlightPerConnection: extra pipelined calls wait (the upstream never sees more), none fail', async () => {
    let now = 0
    let max = 0
    const server = await startInteropServer({
      ...framedBinary,
      handler: {
        slow: (ms, tag) => {
          now++
          max = Math.max(max, now)
          return new Promise((resolve) =>
            setTimeout(() => {
              now--
              resolve(tag)
            }, ms),
          )
        },
      },
    })
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { maxInFlightPerConnection: 3 } })
    cleanup.push(() => p.close())
    const c = await connectInteropClient(p.port, framedBinary)
    cleanup.push(() => c.close())
    const tags = await Promise.all(Array.from({ length: 30 }, (_, i) => c.slow(5, `t${i}`)))
    assert.deepEqual(
      tags,
      Array.from({ length: 30 }, (_, i) => `t${i}`),
    )
    assert.ok(max <= 3, `upstream saw ${max} calls at once`)
    assert.ok(max >= 2, 'calls were pipelined')
  })

  test('idleTimeoutMs: an idle connection closes; one with a call in flight does not', async () => {
    const server = await startInteropServer(framedBinary)
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { idleTimeoutMs: 80 } })
    cleanup.push(() => p.close())
    const idle = await rawConnect(p.port)
    cleanup.push(() => idle.destroy())
    await idle.closed
    const busy = await rawConnect(p.port)
    cleanup.push(() => busy.destroy())
    await busy.send(callBytes(FRAMED_BINARY, 'slow', 1, slowArgs(250, 'in time')))
    const [m] = await new MessageReader(busy, FRAMED_BINARY).take(1)
    assert.equal(stringSuccess(m!), 'in time')
    await busy.closed
  })

  test('a client that stops reading: the proxy stops reading the upstream; nothing is lost when it reads again', async () => {
    const server = await startInteropServer(framedBinary)
    cleanup.push(() => server.close())
    const p = await startProxy(server.port, { limits: { maxBufferedBytes: 64 * 1024 } })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    const n = 48
    const size = 1024 * 1024
    const calls: Buffer[] = []
    for (let i = 0; i < n; i++) calls.push(callBytes(FRAMED_BINARY, 'echoBinary', i, binaryArgs(Buffer.alloc(size, i))))
    c.socket.pause()
    await c.send(Buffer.concat(calls))
    await sleep(300)
    const held = p.proxy.stats().bytesOut
    assert.ok(held < (n * size) / 2, `the proxy buffered ${held} bytes for a client that reads nothing`)
    c.socket.resume()
    const replies = await new MessageReader(c, FRAMED_BINARY).take(n, 10_000)
    assert.deepEqual(
      replies.map((m) => m.seqid),
      Array.from({ length: n }, (_, i) => i),
    )
    for (const m of replies) assert.equal(m.payload.length - m.bodyOffset, 1 + 2 + 4 + size + 1)
  })
})

describe('backpressure toward the upstream', () => {
  test('an upstream that stops reading: the proxy stops reading the client; every byte arrives once it reads again', async () => {
    const upstream = await startRawServer((c) => c.socket.pause())
    cleanup.push(() => upstream.close())
    const p = await startProxy(upstream.port, { limits: { maxBufferedBytes: 64 * 1024 } })
    cleanup.push(() => p.close())
    const c = await rawConnect(p.port)
    cleanup.push(() => c.destroy())
    const n = 48
    const size = 1024 * 1024
    const calls: Buffer[] = []
    for (let i = 0; i < n; i++) calls.push(callBytes(FRAMED_BINARY, 'echoBinary', i, binaryArgs(Buffer.alloc(size, i))))
    const all = Buffer.concat(calls)
    void c.send(all).catch(() => undefined)
    const up = await upstream.connection(0)
    await sleep(300)
    const read = p.proxy.stats().bytesIn
    assert.ok(read < all.length / 2, `the proxy read ${read} of ${all.length} bytes from a client whose upstream reads nothing`)
    up.socket.resume()
    const got = await up.readUntil(all.length, 10_000)
    assert.ok(got.equals(all), 'the upstream received exactly the bytes the client sent')
  })
})

/** Binary-protocol args struct of echoBinary(1: binary b). */
function binaryArgs(b: Buffer): Buffer {
  const head = Buffer.alloc(7)
  head.writeUInt8(11, 0)
  head.writeInt16BE(1, 1)
  head.writeInt32BE(b.length, 3)
  return Buffer.concat([head, b, Buffer.from([0])])
}
