// Hits, misses and write invalidation through the cache for every transport the `thrift` library
// speaks (framed, buffered/unframed, THeader) in both protocols, multiplexed or not: replies the
// cache makes itself must be accepted by each real client.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { connectUserClient, startUserServer, type PeerDialect } from '../support/thrift-peers.js'
import { startStack } from './harness.js'

const DIALECTS: Required<PeerDialect>[] = [
  { transport: 'framed', protocol: 'compact', multiplexed: true },
  { transport: 'buffered', protocol: 'binary', multiplexed: false },
  { transport: 'buffered', protocol: 'compact', multiplexed: true },
  { transport: 'header', protocol: 'binary', multiplexed: false },
  { transport: 'header', protocol: 'compact', multiplexed: true },
]

describe('cache replies in every dialect', () => {
  for (const d of DIALECTS) {
    test(`${d.transport}/${d.protocol}${d.multiplexed ? '+mux' : ''}`, async () => {
      const upstream = await startUserServer({ seed: 10, transport: d.transport, protocol: d.protocol, multiplexed: d.multiplexed })
      const s = await startStack({ upstream })
      const c = await connectUserClient(s.port, d)
      try {
        const a = await c.getUser(1)
        assert.deepEqual(await c.getUser(1), a)
        assert.deepEqual(await c.getUser(1), a)
        assert.equal(upstream.stats.calls.getUser, 1)
        assert.equal(s.cache.metrics.hitsMemory, 2)
        await c.putUser({ ...a, name: 'Z' })
        assert.equal((await c.getUser(1)).name, 'Z')
        await assert.rejects(c.getUser(404))
        await assert.rejects(c.getUser(404))
        assert.equal(upstream.stats.calls.getUser, 3)
      } finally {
        await c.close()
        await s.close()
        await upstream.close()
      }
    })
  }
})
