// The proxy's own pool: one call in flight per connection, seqids rewritten (so replies match the
// pool's seqid, not the request's), timeouts close the connection, failures are typed.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MessageSplitter, type Message } from '../../proxy/codec/index.js'
import { Backoff, ProxyError, UpstreamError, UpstreamPool } from '../../proxy/core/index.js'
import { captureClientBytes, startInteropServer } from '../support/thrift-peers.js'
import { freePort } from '../support/net.js'
import { startRawServer } from '../support/raw-tcp.js'
import { addArgs, FRAMED_BINARY, i32Success, slowArgs, stringSuccess } from './harness.js'

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

function poolTo(port: number, size = 2, requestTimeoutMs = 0, idleMs = 2_000): UpstreamPool {
  const pool = new UpstreamPool({
    target: {
      host: '127.0.0.1',
      port,
      name: `127.0.0.1:${port}`,
      connectTimeoutMs: 1000,
      maxMessageSize: 16_384_000,
      maxDepth: 64,
      maxBufferedBytes: 65536,
      backoff: new Backoff({ initialMs: 50, maxMs: 100, factor: 2 }),
    },
    size,
    maxQueue: 100,
    requestTimeoutMs,
    idleMs,
  })
  cleanup.push(() => pool.close())
  return pool
}

describe('UpstreamPool', () => {
  test('re-sends a captured client call with its own seqid; many calls share `size` connections', async () => {
    const server = await startInteropServer({ transport: 'buffered', protocol: 'compact' })
    cleanup.push(() => server.close())
    const bytes = await captureClientBytes({ transport: 'buffered', protocol: 'compact' }, (c) => c.echoString('from the pool'))
    const calls: Message[] = []
    new MessageSplitter().push(bytes, (m) => calls.push(m))
    const request = calls[0]!
    assert.equal(request.seqid, 1)
    const pool = poolTo(server.port, 2)
    const replies = await Promise.all(Array.from({ length: 12 }, () => pool.call(request)))
    const seqids = new Set(replies.map((r) => r.seqid))
    assert.ok(replies.every((r) => r.dialect.protocol === 'compact' && r.name === 'echoString'))
    assert.ok(seqids.size > 1, 'seqids are the pool connections own')
    assert.ok(pool.stats().connections <= 2)
    assert.equal(pool.stats().busy, 0)
  })

  test('an EncodedCall (binary body) in the upstream dialect', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const pool = poolTo(server.port)
    const r = await pool.call({ dialect: FRAMED_BINARY, name: 'add', body: addArgs(40, 2) })
    assert.equal(i32Success(r), 42)
  })

  test('a call past its timeout rejects TG_ERR_UPSTREAM_TIMEOUT; the next call gets a fresh connection', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const pool = poolTo(server.port, 1)
    await assert.rejects(pool.call({ dialect: FRAMED_BINARY, name: 'slow', body: slowArgs(300, 'late') }, { timeoutMs: 40 }), (e: unknown) => {
      assert.ok(e instanceof ProxyError)
      assert.equal(e.code, 'TG_ERR_UPSTREAM_TIMEOUT')
      assert.match(e.message, /slow timed out after 40ms/)
      return true
    })
    const r = await pool.call({ dialect: FRAMED_BINARY, name: 'slow', body: slowArgs(1, 'fresh') })
    assert.equal(stringSuccess(r), 'fresh')
  })

  test('upstream down: UpstreamError refused, then fast failures during the backoff', async () => {
    const port = await freePort()
    const pool = poolTo(port)
    await assert.rejects(pool.call({ dialect: FRAMED_BINARY, name: 'add', body: addArgs(1, 1) }), (e: unknown) => {
      assert.ok(e instanceof UpstreamError)
      assert.equal(e.code, 'TG_ERR_UPSTREAM_REFUSED')
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
      return true
    })
    await assert.rejects(pool.call({ dialect: FRAMED_BINARY, name: 'add', body: addArgs(1, 1) }), (e: unknown) => {
      assert.ok(e instanceof UpstreamError)
      assert.equal(e.code, 'TG_ERR_UPSTREAM_BACKOFF')
      return true
    })
  })

  test('an idle pooled connection is closed (one-connection-at-a-time servers are not starved)', async () => {
    const upstream = await startRawServer((c) => {
      // Answer add(…) with a fixed framed binary REPLY {0: i32 7}, seqid echoed.
      void c.readUntil((b) => b.length >= 4).then((b) => {
        const seqid = b.readInt32BE(4 + 4 + 4 + 3)
        const reply = Buffer.from('000000178001000200000003616464000000000800000000000700', 'hex')
        reply.writeInt32BE(seqid, 4 + 4 + 4 + 3)
        return c.send(reply)
      })
    })
    cleanup.push(() => upstream.close())
    const pool = poolTo(upstream.port, 1, 0, 30)
    const r = await pool.call({ dialect: FRAMED_BINARY, name: 'add', body: addArgs(3, 4) })
    assert.equal(i32Success(r), 7)
    await (await upstream.connection(0)).closed
    assert.equal(pool.stats().connections, 0)
  })

  test('close() rejects queued calls with TG_ERR_CLOSING', async () => {
    const server = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    cleanup.push(() => server.close())
    const pool = poolTo(server.port, 1)
    const a = pool.call({ dialect: FRAMED_BINARY, name: 'slow', body: slowArgs(200, 'a') })
    const b = pool.call({ dialect: FRAMED_BINARY, name: 'add', body: addArgs(1, 1) })
    pool.close()
    for (const p of [a, b]) await assert.rejects(p, (e: unknown) => e instanceof ProxyError && e.code === 'TG_ERR_CLOSING')
  })
})
