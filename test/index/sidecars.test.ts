// Two sidecars (two proxies, two RocksDB directories) in front of one upstream, sharing a real
// redis-server: a write through one is applied by the other from the stream, so both answer
// ranges from their own index with the upstream's answer.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startIndexStack, plain } from './harness.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { startUserServer } from '../support/thrift-peers.js'

describe('two sidecars sharing Redis', () => {
  let redis: RedisServer
  before(async () => {
    redis = await startRedis()
  })
  after(async () => {
    await redis.stop()
  })

  test('converge: writes through either are reflected in both indexes', async () => {
    const upstream = await startUserServer({ seed: 80, transport: 'framed', protocol: 'binary' })
    const replication = { url: redis.url, stream: 'tg:idx:sidecars', blockMs: 100 }
    const a = await startIndexStack({ upstream, replication })
    const b = await startIndexStack({ upstream, replication })
    try {
      for (const s of [a, b]) assert.equal((await s.index.backfill('User')).authoritative, true)
      const ca = await a.client()
      const cb = await b.client()
      const direct = await a.direct()
      const u7 = await ca.getUser(7)
      await ca.putUser({ ...u7, email: 'seven@example.com', age: 19 })
      await cb.deleteUser(8)
      const u9 = await cb.getUser(9)
      await cb.putUser({ ...u9, age: 19 })
      for (const s of [a, b]) {
        assert.equal(await s.index.readinessCheck({ waitCatchUpMs: 5000 }).check().then((r) => r.ok), true)
        assert.deepEqual((await s.index.get('User', 'email', 'seven@example.com')).keys, ['7'])
        assert.deepEqual((await s.index.get('User', 'email', 'user8@example.com')).keys, [])
      }
      const want = plain(await direct.listUsersByAge(19, 19, 0))
      const n = upstream.stats.calls.listUsersByAge
      assert.deepEqual(plain(await ca.listUsersByAge(19, 19, 0)), want)
      assert.deepEqual(plain(await cb.listUsersByAge(19, 19, 0)), want)
      assert.equal(upstream.stats.calls.listUsersByAge, n, 'both answered from their own index')
      const sa = await a.index.stats()
      const sb = await b.index.stats()
      assert.equal(sa.entities[0]!.entities, sb.entities[0]!.entities)
      assert.deepEqual(sa.entities[0]!.entries, sb.entities[0]!.entries)
      assert.equal(sa.replication!.appliedId, sb.replication!.appliedId)
    } finally {
      await Promise.all([a.close(), b.close()])
      await upstream.close()
    }
  })
})
