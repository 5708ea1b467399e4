import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { StoredEntry } from '../../proxy/cache/entry.js'
import { CacheMetrics } from '../../proxy/cache/metrics.js'
import { createRedisClient } from '../../proxy/cache/redis-client.js'
import { RedisKeyspace } from '../../proxy/cache/redis-keys.js'
import { RedisTier } from '../../proxy/cache/redis-tier.js'
import { sleep } from '../support/net.js'
import { startRedis, type RedisServer } from '../support/redis.js'

function entry(tag: string, freshMs = 60_000): StoredEntry {
  const now = Date.now()
  return { kind: 'value', storedAt: now, freshUntil: now + freshMs, graceUntil: now + freshMs + 1000, keepUntil: now + freshMs + 5000, result: Buffer.from([0, 1, 2, 0x7c, 255, ...Buffer.from(tag)]) }
}

async function until(f: () => boolean, ms = 5_000): Promise<void> {
  const t0 = Date.now()
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached')
    await sleep(10)
  }
}

describe('RedisTier against a real redis-server', () => {
  let redis: RedisServer
  before(async () => {
    redis = await startRedis()
  })
  after(async () => {
    await redis.stop()
  })

  function tier(prefix: string, opts: ConstructorParameters<typeof RedisTier>[3] = {}): { t: RedisTier; m: CacheMetrics } {
    const m = new CacheMetrics()
    const client = createRedisClient({ kind: 'url', url: redis.url })
    return { t: new RedisTier(client, new RedisKeyspace(prefix, 4), m, opts), m }
  }

  test('miss takes a lease, fill stores binary-safe bytes, next lookup hits', async () => {
    const { t } = tier('a:')
    await until(() => t.client.status === 'ready')
    const k = t.keys.entry('S.get', Buffer.from('args-1'))
    const first = await t.lookup(k, Date.now(), true)
    assert.equal(first.state, 'leased')
    assert.equal(first.entry, undefined)
    const second = await t.lookup(k, Date.now(), true)
    assert.equal(second.state, 'held') // another reader: it must wait or serve stale
    assert.equal(await t.fill(k, first.gen, first.token, entry('v1')), true)
    const hit = await t.lookup(k, Date.now(), true)
    assert.equal(hit.state, 'fresh')
    assert.deepEqual(hit.entry?.result, entry('v1').result)
    t.client.disconnect()
  })

  test('stale set: a fill that fetched before an invalidation is rejected', async () => {
    const { t, m } = tier('b:')
    await until(() => t.client.status === 'ready')
    const k = t.keys.entry('S.get', Buffer.from('args-2'))
    const read = await t.lookup(k, Date.now(), true) // read starts, takes lease
    assert.equal(await t.invalidate([{ kind: 'key', methodId: 'S.get', keys: k }]), true) // write passes
    assert.equal(await t.fill(k, read.gen, read.token, entry('old')), false) // read's fill arrives
    assert.equal(m.rejectedStaleSets, 1)
    const after = await t.lookup(k, Date.now(), false)
    assert.equal(after.entry, undefined)
    t.client.disconnect()
  })

  test('method-wide invalidation: old-generation entries read as absent, pending fills rejected', async () => {
    const { t } = tier('c:')
    await until(() => t.client.status === 'ready')
    const k1 = t.keys.entry('S.count', Buffer.from('x'))
    const k2 = t.keys.entry('S.count', Buffer.from('y'))
    const r1 = await t.lookup(k1, Date.now(), true)
    await t.fill(k1, r1.gen, r1.token, entry('1'))
    const r2 = await t.lookup(k2, Date.now(), true)
    await t.invalidate([{ kind: 'method', methodId: 'S.count' }])
    assert.equal((await t.lookup(k1, Date.now(), false)).entry, undefined)
    assert.equal(await t.fill(k2, r2.gen, r2.token, entry('2')), false)
    t.client.disconnect()
  })

  test('stale entry: lookup reports it with a lease so one reader refreshes', async () => {
    const { t } = tier('d:')
    await until(() => t.client.status === 'ready')
    const k = t.keys.entry('S.get', Buffer.from('z'))
    const r = await t.lookup(k, Date.now(), true)
    await t.fill(k, r.gen, r.token, entry('s', 1))
    await sleep(5)
    const stale = await t.lookup(k, Date.now(), true)
    assert.equal(stale.state, 'leased')
    assert.ok(stale.entry !== undefined)
    const other = await t.lookup(k, Date.now(), true)
    assert.equal(other.state, 'held')
    assert.ok(other.entry !== undefined) // may serve stale while the holder refreshes
    t.client.disconnect()
  })

  test('invalidations during an outage are queued and replayed before Redis is read again', async () => {
    const { t } = tier('e:', { timeoutMs: 100, breaker: { failureThreshold: 1, probeIntervalMs: 50 } })
    await until(() => t.client.status === 'ready')
    const k = t.keys.entry('S.get', Buffer.from('w'))
    const r = await t.lookup(k, Date.now(), true)
    await t.fill(k, r.gen, r.token, entry('old'))
    redis.pause()
    try {
      assert.equal(await t.invalidate([{ kind: 'key', methodId: 'S.get', keys: k }]), false)
      assert.equal(t.usable, false)
      await assert.rejects(t.lookup(k, Date.now(), false), { code: 'TG_ERR_CACHE_BREAKER_OPEN' })
    } finally {
      redis.resume()
    }
    await until(() => t.usable)
    assert.equal(t.pending.size, 0)
    assert.equal((await t.lookup(k, Date.now(), false)).entry, undefined)
    t.close()
    t.client.disconnect()
  })

  test('fills not awaited reach Redis ahead of the next command; each answers for itself', async () => {
    const { t, m } = tier('f:')
    await until(() => t.client.status === 'ready')
    const ks = [1, 2, 3].map((i) => t.keys.entry('S.get', Buffer.from(`fill-${i}`)))
    const leases = await Promise.all(ks.map((k) => t.lookup(k, Date.now(), true)))
    assert.equal(await t.invalidate([{ kind: 'key', methodId: 'S.get', keys: ks[2]! }]), true) // the third one's lease goes
    const fills = ks.map((k, i) => t.fill(k, leases[i]!.gen, leases[i]!.token, entry(`v${i}`)))
    const seen = await t.lookup(ks[0]!, Date.now(), false)
    assert.equal(seen.state, 'fresh')
    assert.deepEqual(seen.entry?.result, entry('v0').result)
    assert.deepEqual(await Promise.all(fills), [true, true, false])
    assert.equal(m.rejectedStaleSets, 1)
    t.client.disconnect()
  })

  test('a fill in flight never outlives an invalidation issued after it', async () => {
    const { t } = tier('g:')
    await until(() => t.client.status === 'ready')
    const k = t.keys.entry('S.get', Buffer.from('args-g'))
    const read = await t.lookup(k, Date.now(), true)
    const fill = t.fill(k, read.gen, read.token, entry('old')) // not awaited: in flight
    await t.invalidate([{ kind: 'key', methodId: 'S.get', keys: k }])
    await fill
    assert.equal((await t.lookup(k, Date.now(), false)).entry, undefined)
    t.client.disconnect()
  })
})
