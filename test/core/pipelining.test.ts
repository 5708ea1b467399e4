// Pipelined calls on one connection and many connections at once: every reply reaches the call it
// answers, even when the upstream (the Node library server) answers out of order.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connectInteropClient, dialectName, startInteropServer, type InteropServer, type PeerDialect } from '../support/thrift-peers.js'
import { rawConnect } from '../support/raw-tcp.js'
import { addArgs, callBytes, FRAMED_BINARY, i32Success, MessageReader, slowArgs, startProxy, stringSuccess, type RunningProxy } from './harness.js'

const dialects: Required<PeerDialect>[] = [
  { transport: 'framed', protocol: 'binary', multiplexed: false },
  { transport: 'buffered', protocol: 'compact', multiplexed: false },
  { transport: 'header', protocol: 'binary', multiplexed: true },
]

for (const d of dialects) {
  describe(`pipelining ${dialectName(d)}`, () => {
    let server: InteropServer
    let proxy: RunningProxy
    before(async () => {
      server = await startInteropServer(d)
      proxy = await startProxy(server.port)
    })
    after(async () => {
      await proxy?.close()
      await server?.close()
    })

    test('200 calls in flight on one connection, answered out of order, each get their own reply', async () => {
      const c = await connectInteropClient(proxy.port, d)
      try {
        const calls: Promise<void>[] = []
        for (let i = 0; i < 200; i++) {
          if (i % 2 === 0) calls.push(c.slow((i * 7) % 23, `tag-${i}`).then((v) => assert.equal(v, `tag-${i}`)))
          else calls.push(c.add(i, 1000).then((v) => assert.equal(v, i + 1000)))
        }
        await Promise.all(calls)
        assert.equal(proxy.proxy.stats().inFlight, 0)
      } finally {
        await c.close()
      }
    })

    test('25 connections × 20 pipelined calls at once', async () => {
      const clients = await Promise.all(Array.from({ length: 25 }, () => connectInteropClient(proxy.port, d)))
      try {
        await Promise.all(
          clients.map((c, ci) =>
            Promise.all(Array.from({ length: 20 }, (_, i) => c.echoString(`c${ci}-${i}`).then((v) => assert.equal(v, `c${ci}-${i}`)))),
          ),
        )
        assert.ok(proxy.proxy.stats().openConnections >= 25)
      } finally {
        await Promise.all(clients.map((c) => c.close()))
      }
    })
  })
}

describe('pipelining, raw bytes', () => {
  let server: InteropServer
  let proxy: RunningProxy
  before(async () => {
    server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    proxy = await startProxy(server.port)
  })
  after(async () => {
    await proxy?.close()
    await server?.close()
  })

  test('replies keep the client seqids and come in the order the upstream sent them', async () => {
    const c = await rawConnect(proxy.port)
    const r = new MessageReader(c, FRAMED_BINARY)
    try {
      await c.send(Buffer.concat([callBytes(FRAMED_BINARY, 'slow', 41, slowArgs(150, 'late')), callBytes(FRAMED_BINARY, 'add', -5, addArgs(2, 3))]))
      const [first, second] = await r.take(2)
      assert.equal(first?.seqid, -5)
      assert.equal(first && i32Success(first), 5)
      assert.equal(second?.seqid, 41)
      assert.equal(second && stringSuccess(second), 'late')
    } finally {
      c.destroy()
    }
  })

  test('a seqid reused while in flight: each reply goes out once, FIFO per seqid', async () => {
    const c = await rawConnect(proxy.port)
    const r = new MessageReader(c, FRAMED_BINARY)
    try {
      const calls = [1, 2, 3].map((i) => callBytes(FRAMED_BINARY, 'add', 7, addArgs(i, i)))
      await c.send(Buffer.concat(calls))
      const replies = await r.take(3)
      assert.deepEqual(
        replies.map((m) => m.seqid),
        [7, 7, 7],
      )
      assert.deepEqual(replies.map((m) => i32Success(m)).sort(), [2, 4, 6])
      assert.equal(proxy.proxy.stats().inFlight, 0)
    } finally {
      c.destroy()
    }
  })
})
