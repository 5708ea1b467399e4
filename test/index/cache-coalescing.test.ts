// The read cache and the index on the same lookup: the cache leads a fetch of getUserByEmail(x),
// the index answers it, and the readers coalesced behind that leader get the index's answer at
// once (the core tells the cache through onSettled) instead of waiting for the flight's safety net;
// the answer is stored like an upstream reply.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { sleep } from '../support/net.js'
import { plain, startIndexStack } from './harness.js'

const LOOKUP_CACHED = `
    reads:
      getUserByEmail: { ttl: 60s, negativeTtl: 60s, negative: [notFound] }
`

describe('cache and index on the same lookup', () => {
  test('readers coalesced behind a lookup the index answered finish promptly with its answer', { timeout: 15_000 }, async () => {
    const s = await startIndexStack({
      seed: 60,
      cache: true,
      cacheRules: LOOKUP_CACHED,
      // The index's entity fetch takes a while, so the other readers arrive while the first leads.
      wrapUpstream: (call) => async (m) => {
        if (m.method === 'getUser') await sleep(100)
        return call(m)
      },
    })
    try {
      const first = await s.client()
      const user = await first.getUser(7) // the index learns user 7's email from the reply
      const expected = plain(await (await s.direct()).getUserByEmail(user.email))
      const before = s.upstream.stats.calls.getUserByEmail
      const clients = await Promise.all(Array.from({ length: 12 }, () => s.client()))
      const answers = await Promise.all(clients.map((c) => c.getUserByEmail(user.email)))
      for (const a of answers) assert.deepEqual(plain(a), expected)
      assert.equal(s.upstream.stats.calls.getUserByEmail, before, 'answered by the index, not the upstream')
      assert.ok(s.cache!.metrics.coalescedWaits >= 1, 'the readers coalesced behind the leader')
      const hits = s.cache!.metrics.hitsMemory
      assert.deepEqual(plain(await first.getUserByEmail(user.email)), expected)
      assert.equal(s.cache!.metrics.hitsMemory, hits + 1, "the index's answer was stored like an upstream reply")
    } finally {
      await s.close()
    }
  })
})
