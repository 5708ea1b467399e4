// Two proxies sharing one Redis: hits by tier, invalidation across sidecars, and the pub/sub window
// for in-process copies (measured and printed, not asserted: no timing assertions in tests).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startRedis, type RedisServer } from '../support/redis.js'
import { startUserServer, type DemoUpstream } from '../support/thrift-peers.js'
import { startStack, type Stack } from './harness.js'

describe('shared Redis tier between two sidecars', () => {
  let redis: RedisServer
  let upstream: DemoUpstream
  before(async () => {
    redis = await startRedis()
    upstream = await startUserServer({ seed: 100, transport: 'framed', protocol: 'binary' })
  })
  after(async () => {
    await upstream.close()
    await redis.stop()
  })

  async function pair(prefix: string, memA = '8MiB', memB = '8MiB'): Promise<[Stack, Stack]> {
    const a = await startStack({ upstream, redisUrl: redis.url, keyPrefix: prefix, memory: memA })
    const b = await startStack({ upstream, redisUrl: redis.url, keyPrefix: prefix, memory: memB })
    return [a, b]
  }

  test('an entry filled through one sidecar is a Redis hit on the other, then a memory hit', async () => {
    const [a, b] = await pair('t1:')
    try {
      const before = upstream.stats.calls.getUser
      const x = await (await a.client()).getUser(10)
      const cb = await b.client()
      assert.deepEqual(await cb.getUser(10), x)
      assert.deepEqual(await cb.getUser(10), x)
      assert.equal(upstream.stats.calls.getUser - before, 1)
      assert.equal(b.cache.metrics.hitsRedis, 1)
      assert.equal(b.cache.metrics.hitsMemory, 1)
      assert.equal(a.cache.metrics.misses, 1)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  test('Redis only: a write through one sidecar is never followed by a stale read through the other', async () => {
    const [a, b] = await pair('t2:', '0', '0')
    try {
      const wa = await a.client()
      const rb = await b.client()
      for (let i = 0; i < 30; i++) {
        await rb.getUser(11) // cache it (in Redis)
        await wa.putUser({ id: 11, name: `v${i}`, email: 'x@example.com', age: 40 })
        assert.equal((await rb.getUser(11)).name, `v${i}`)
      }
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  test('in-process copies on the other sidecar drop within the pub/sub window (measured)', async () => {
    const [a, b] = await pair('t3:')
    try {
      const wa = await a.client()
      const rb = await b.client()
      const windows: number[] = []
      for (let i = 0; i < 20; i++) {
        await rb.getUser(12)
        await rb.getUser(12) // now in b's memory
        await wa.putUser({ id: 12, name: `w${i}`, email: 'y@example.com', age: 41 })
        const t0 = process.hrtime.bigint()
        let stale = 0
        while ((await rb.getUser(12)).name !== `w${i}`) stale++
        windows.push(Number(process.hrtime.bigint() - t0) / 1e6)
        assert.ok(stale < 10_000)
      }
      windows.sort((x, y) => x - y)
      console.log(`# pub/sub window for in-process copies: median ${windows[10]?.toFixed(3)} ms, max ${windows[19]?.toFixed(3)} ms (20 writes)`)
      assert.ok(b.cache.metrics.invalidationsReceived >= 20)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  test('purge of one entry, a method and a service reaches both tiers and the other sidecar', async () => {
    const [a, b] = await pair('t4:')
    try {
      const ca = await a.client()
      const cb = await b.client()
      await ca.getUser(13)
      await cb.getUser(13)
      await ca.countUsers()
      const info = await b.cache.admin.inspect('UserService', 'getUser', { id: 13 })
      assert.equal(info?.tier, 'memory')
      assert.equal(info?.kind, 'value')
      assert.ok((info?.bytes ?? 0) > 0)
      upstream.store.put({ ...(upstream.store.get(13n) as object), name: 'changed-behind-our-back' } as never)
      await a.cache.admin.purgeEntry('UserService', 'getUser', { id: 13 })
      assert.equal(await a.cache.admin.inspect('UserService', 'getUser', { id: 13 }), undefined)
      for (let i = 0; i < 200 && (await b.cache.admin.inspect('UserService', 'getUser', { id: 13 })) !== undefined; i++) await new Promise((r) => setTimeout(r, 5))
      assert.equal((await cb.getUser(13)).name, 'changed-behind-our-back')
      const rinfo = await a.cache.admin.inspect('UserService', 'getUser', { id: 13 })
      assert.equal(rinfo?.tier, 'redis')
      await a.cache.admin.purgeMethod('UserService', 'countUsers')
      assert.equal(await a.cache.admin.inspect('UserService', 'countUsers', {}), undefined)
      assert.equal(await a.cache.admin.purgeService('UserService'), 2)
      assert.equal(await a.cache.admin.inspect('UserService', 'getUser', { id: 13 }), undefined)
      await assert.rejects(a.cache.admin.purgeEntry('UserService', 'getUser', { nope: 1 }), { code: 'TG_ERR_CACHE_BAD_REQUEST' })
      await assert.rejects(a.cache.admin.purgeMethod('UserService', 'scanUsers'), { code: 'TG_ERR_CACHE_BAD_REQUEST' })
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})
