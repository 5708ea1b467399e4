// Two sidecars (two RocksDB directories) sharing a real redis-server converge through the stream;
// a restart resumes from the stream ID stored with the data; a trimmed stream is a gap.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { tempDir } from '../support/tmp.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { IndexStore, type StoreEntitySpec } from '../../proxy/index/store.js'
import { IndexReplicator } from '../../proxy/index/replication.js'
import { encodeKey } from '../../proxy/index/key-encoding.js'
import type { ReplicatedChange } from '../../proxy/index/change-codec.js'

const USER: StoreEntitySpec = { name: 'User', pkType: 'i64', indexes: [{ name: 'email', type: 'string' }] }
const change = (id: number, email: string | null): ReplicatedChange => ({
  entity: 'User',
  pk: encodeKey('i64', BigInt(id)),
  values: email === null ? null : [encodeKey('string', email)],
})

/** What a sidecar does on a successful write: publish, then apply locally with the stream ID. */
async function write(store: IndexStore, rep: IndexReplicator, c: ReplicatedChange): Promise<void> {
  const version = await rep.publish([c])
  await store.apply([{ ...c, version, kind: 'write' }])
}

async function emails(store: IndexStore, ...wanted: string[]): Promise<number[]> {
  const out: number[] = []
  for (const e of wanted) out.push((await store.lookupEq('User', 'email', encodeKey('string', e))).length)
  return out
}

describe('index replication over a Redis Stream', () => {
  let redis: RedisServer
  before(async () => {
    redis = await startRedis()
  })
  after(async () => {
    await redis.stop()
  })

  test('two sidecars converge, each applying the other’s writes in stream order', async () => {
    const stream = 'tg:idx:converge'
    const [a, b] = await Promise.all([IndexStore.open(tempDir().path, [USER]), IndexStore.open(tempDir().path, [USER])])
    const ra = await IndexReplicator.start(a, { url: redis.url, stream, blockMs: 100 })
    const rb = await IndexReplicator.start(b, { url: redis.url, stream, blockMs: 100 })
    await write(a, ra, change(1, 'one@x'))
    await write(b, rb, change(2, 'two@x'))
    await write(a, ra, change(1, 'uno@x'))
    await write(b, rb, change(2, null))
    await write(b, rb, change(3, 'three@x'))
    for (const [s, r] of [[a, ra], [b, rb]] as const) {
      assert.equal(await r.waitCaughtUp(5000), true)
      await s.idle()
      assert.deepEqual(await emails(s, 'one@x', 'uno@x', 'two@x', 'three@x'), [0, 1, 0, 1])
      assert.deepEqual(s.counts('User'), { live: 2, entries: { email: 2 } })
    }
    assert.equal(ra.appliedId, rb.appliedId)
    await Promise.all([ra.close(), rb.close()])
    await Promise.all([a.close(), b.close()])
  })

  test('a restart resumes from the stream ID stored with the data; a trimmed stream is a gap', async () => {
    const stream = 'tg:idx:resume'
    const dir = tempDir()
    let store = await IndexStore.open(dir.path, [USER])
    let rep = await IndexReplicator.start(store, { url: redis.url, stream, blockMs: 100 })
    // A joining sidecar starts without authority; pretend it backfilled.
    await store.apply([], [store.statePut('User', { ...store.state('User'), authoritative: true, reason: '' })])
    await write(store, rep, change(1, 'a@x'))
    assert.equal(await rep.waitCaughtUp(5000), true)
    const stoppedAt = rep.appliedId
    await rep.close()
    await store.close()

    // While it is down, another sidecar writes.
    const other = await IndexStore.open(tempDir().path, [USER])
    const ro = await IndexReplicator.start(other, { url: redis.url, stream, blockMs: 100 })
    await write(other, ro, change(2, 'b@x'))
    await write(other, ro, change(1, 'c@x'))

    store = await IndexStore.open(dir.path, [USER])
    rep = await IndexReplicator.start(store, { url: redis.url, stream, blockMs: 100 })
    assert.equal(await rep.waitCaughtUp(5000), true)
    await store.idle()
    assert.notEqual(rep.appliedId, stoppedAt)
    assert.deepEqual(await emails(store, 'a@x', 'b@x', 'c@x'), [0, 1, 1])
    assert.equal(store.state('User').authoritative, true, 'no gap: authority kept across the restart')
    await rep.close()
    await store.close()

    // Down again; the stream is trimmed past its position: a gap, authority dropped.
    await write(other, ro, change(4, 'd@x'))
    await write(other, ro, change(5, 'e@x'))
    const admin = new Redis(redis.url, { protocol: 2 })
    await admin.call('XTRIM', stream, 'MAXLEN', '0')
    admin.disconnect()
    store = await IndexStore.open(dir.path, [USER])
    rep = await IndexReplicator.start(store, { url: redis.url, stream, blockMs: 100 })
    assert.equal(rep.gaps, 1)
    assert.equal(store.state('User').authoritative, false)
    assert.match(store.state('User').reason, /replication gap/)
    await Promise.all([rep.close(), ro.close()])
    await Promise.all([store.close(), other.close()])
  })

  test('a publish that fails (Redis gone) is a typed error and, once Redis is back, resets peers’ authority', async () => {
    const own = await startRedis()
    const stream = 'tg:idx:reset'
    const [a, b] = await Promise.all([IndexStore.open(tempDir().path, [USER]), IndexStore.open(tempDir().path, [USER])])
    const opts = { url: own.url, stream, blockMs: 100, checkEveryMs: 100 }
    const ra = await IndexReplicator.start(a, opts)
    const rb = await IndexReplicator.start(b, opts)
    await b.apply([], [b.statePut('User', { ...b.state('User'), authoritative: true, reason: '' })])
    await own.stop()
    await assert.rejects(ra.publish([change(9, 'z@x')]), { code: 'TG_ERR_INDEX_REPLICATION' })
    await own.restart()
    while (b.state('User').authoritative) await new Promise((r) => setTimeout(r, 50))
    assert.match(b.state('User').reason, /could not publish/)
    await Promise.all([ra.close(), rb.close()])
    await Promise.all([a.close(), b.close()])
    await own.stop()
  })
})
