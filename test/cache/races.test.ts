// Concurrency: coalescing, and the stale-set race "read starts, write passes, read's fill arrives"
// forced deterministically: a CallHandler registered before the cache holds getUser's reply (so the
// cache's fill) until a write has gone through.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sharedRedisUrl } from '../support/redis.js'
import { startUserServer } from '../support/thrift-peers.js'
import { startStack } from './harness.js'
import { ReplyGate as Gate, TIER_LAYOUTS as variants } from './reply-gate.js'

describe('stale-set race, forced interleaving', () => {
  let redisUrl: string
  before(async () => {
    redisUrl = await sharedRedisUrl()
  })

  for (const v of variants) {
    test(`${v.name}: a read's old fill arriving after a write's invalidation is rejected`, async () => {
      const gate = new Gate()
      const s = await startStack({ redisUrl: v.redis ? redisUrl : undefined, keyPrefix: `race${Date.now()}${Math.random()}:`, memory: v.memory, before: [gate] })
      try {
        const reader = await s.client()
        const writer = await s.client()
        gate.armed = true
        const read = reader.getUser(4) // 1. read misses, fetches the old value; its fill is held
        await gate.held
        const old = s.upstream.store.get(4n)
        assert.ok(old)
        await writer.putUser({ id: 4, name: 'after-write', email: old.email, age: old.age }) // 2. write passes
        gate.open() // 3. the read's fill arrives
        assert.notEqual((await read).name, 'after-write') // it fetched before the write: fine to return
        const rejectedBefore = s.cache.metrics.rejectedStaleSets
        await new Promise((r) => setTimeout(r, 50)) // let a background Redis fill settle
        const next = await (await s.client()).getUser(4)
        assert.equal(next.name, 'after-write', 'the old value must not have been cached')
        assert.ok(s.cache.metrics.rejectedStaleSets >= rejectedBefore)
        assert.ok(s.cache.metrics.rejectedStaleSets >= 1)
      } finally {
        await s.close()
      }
    })
  }
})

describe('stale-set race across two sidecars sharing Redis', () => {
  for (const memory of ['0', '8MiB']) {
    test(`reader on B (memory ${memory}) fetched before a write through A: its fill is rejected`, async () => {
      const redisUrl = await sharedRedisUrl()
      const keyPrefix = `xrace${Date.now()}${Math.random()}:`
      const upstream = await startUserServer({ seed: 10, transport: 'framed', protocol: 'binary' })
      const gate = new Gate()
      const a = await startStack({ upstream, redisUrl, keyPrefix })
      const b = await startStack({ upstream, redisUrl, keyPrefix, memory, before: [gate] })
      try {
        gate.armed = true
        const read = (await b.client()).getUser(6) // B misses, takes the lease, fetches the old value
        await gate.held
        const old = upstream.store.get(6n)
        assert.ok(old)
        await (await a.client()).putUser({ id: 6, name: 'written-via-a', email: old.email, age: old.age })
        gate.open() // B's fill arrives after A's invalidation
        await read
        await new Promise((r) => setTimeout(r, 50))
        assert.equal((await (await a.client()).getUser(6)).name, 'written-via-a')
        assert.equal((await (await b.client()).getUser(6)).name, 'written-via-a')
        assert.ok(b.cache.metrics.rejectedStaleSets >= 1)
      } finally {
        await Promise.all([a.close(), b.close()])
        await upstream.close()
      }
    })
  }
})

describe('coalescing', () => {
  let redisUrl: string
  before(async () => {
    redisUrl = await sharedRedisUrl()
  })
  after(() => undefined)

  for (const v of variants) {
    test(`${v.name}: many concurrent readers of one key cause one upstream fetch`, async () => {
      const upstream = await startUserServer({ seed: 20, transport: 'framed', protocol: 'binary', latencyMs: 100 })
      const s = await startStack({ upstream, redisUrl: v.redis ? redisUrl : undefined, keyPrefix: `coal${Date.now()}${Math.random()}:`, memory: v.memory })
      try {
        const clients = await Promise.all(Array.from({ length: 24 }, () => s.client()))
        const results = await Promise.all(clients.map((c) => c.getUser(3)))
        assert.equal(upstream.stats.calls.getUser, 1)
        for (const r of results) assert.deepEqual(r, results[0])
        assert.ok(s.cache.metrics.coalescedWaits >= 1)
      } finally {
        await s.close()
        await upstream.close()
      }
    })
  }
})
