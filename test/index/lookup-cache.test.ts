// A cached point lookup (getUserByEmail under a cache read rule) must not outlive a write to the
// entity it names, even when the index of the sidecar taking the write never recorded the looked-up
// value. Two sidecars share Redis (cache tier and index stream): the user's email is changed behind
// the proxies' back, sidecar A forwards a lookup of the new email and caches the answer in Redis
// (A's index observes it; observations stay local), then a write through sidecar B moves the user
// away. B's index still holds the backfilled email, so invalidating only the lookups keyed by the old
// and new values it knows left A's entry in Redis, and B served it after acknowledging its own write
// (consistency checker finding 2, across sidecars). Every change now invalidates every cached reply
// of the entity's lookup methods (proxy/index/maintenance.ts).
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startIndexStack, plain } from './harness.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { startUserServer } from '../support/thrift-peers.js'
import { sleep } from '../support/net.js'

async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: plain(await p) }
  } catch (e) {
    return { err: (e as Error).name }
  }
}

describe('cached point lookups and writes', () => {
  let redis: RedisServer
  before(async () => {
    redis = await startRedis()
  })
  after(async () => {
    await redis.stop()
  })

  test('a write through one sidecar drops a lookup another sidecar cached for a value its index never knew', async () => {
    const upstream = await startUserServer({ seed: 90, transport: 'framed', protocol: 'binary' })
    const replication = { url: redis.url, stream: 'tg:idx:lookup-cache', blockMs: 100 }
    const a = await startIndexStack({ upstream, replication, cache: true, cacheRedis: redis.url })
    const b = await startIndexStack({ upstream, replication, cache: true, cacheRedis: redis.url })
    try {
      for (const s of [a, b]) assert.equal((await s.index.backfill('User')).authoritative, true)
      const [ca, cb, direct] = [await a.client(), await b.client(), await a.direct()]
      const u5 = await direct.getUser(5)
      await direct.putUser({ ...u5, email: 'moved@example.com' }) // behind the proxies' back
      const lookups = upstream.stats.calls.getUserByEmail
      // A's index has no entry for the new email: forwarded, answered by the upstream, cached in Redis.
      const cached = await outcome(ca.getUserByEmail('moved@example.com'))
      assert.equal(upstream.stats.calls.getUserByEmail - lookups, 1, 'forwarded')
      assert.deepEqual(cached, await outcome(direct.getUserByEmail('moved@example.com')))
      // The user moves again, through B, whose index still says user5@example.com.
      await cb.putUser({ ...u5, email: 'later@example.com' })
      const want = await outcome(direct.getUserByEmail('moved@example.com'))
      assert.deepEqual(want, { err: 'NotFound' })
      assert.deepEqual(await outcome(cb.getUserByEmail('moved@example.com')), want, 'B served the lookup A cached before B acknowledged the write')
      // A drops its in-process copy when B's invalidation reaches it (the pub/sub window).
      let got: unknown
      for (let i = 0; i < 100; i++) {
        got = await outcome(ca.getUserByEmail('moved@example.com'))
        if ((got as { err?: string }).err === 'NotFound') break
        await sleep(20)
      }
      assert.deepEqual(got, want)
      // The lookups still answer: the new email, from either sidecar.
      for (const c of [ca, cb]) assert.deepEqual(await outcome(c.getUserByEmail('later@example.com')), await outcome(direct.getUserByEmail('later@example.com')))
    } finally {
      await a.close()
      await b.close()
      await upstream.close()
    }
  })
})
