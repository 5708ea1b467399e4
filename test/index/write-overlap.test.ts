// Writes to one key that overlap in time (proxy/index/write-overlap.ts): the upstream applies them
// in one order and answers them in the other, so the index cannot know which one it kept. The key is
// in doubt: ranges forward until a re-read through the pool settles it, then are answered again.
// Real demo upstream (its backend applies a write at once and answers "slow*" names late), real
// RocksDB, real redis-server for the two-sidecar case.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { TType, type Message } from '../../proxy/codec/index.js'
import { encodeChanges } from '../../proxy/index/change-codec.js'
import { encodeValue } from '../../proxy/index/values.js'
import { UserStore, type User, type UserBackend } from '../../proxy/demo/index.js'
import { startIndexStack, plain, type IndexStack } from './harness.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { sleep } from '../support/net.js'
import { startUserServer, type DemoUpstream } from '../support/thrift-peers.js'

const SLOW_MS = 400

/** The demo's store, but a put of a user named "slow*" is answered SLOW_MS after it was applied. */
function slowRepliesBackend(store: UserStore): UserBackend {
  return {
    get: (id) => store.get(id),
    findByEmail: (e) => store.findByEmail(e),
    listByAge: (lo, hi, limit) => store.listByAge(lo, hi, limit),
    put: (u: User) => {
      const stored = store.put(u)
      return u.name.startsWith('slow') ? sleep(SLOW_MS).then(() => stored) : stored
    },
    delete: (id) => store.delete(id),
    scan: (after, limit) => store.scan(after, limit),
    count: () => store.count(),
  }
}

async function slowUpstream(): Promise<DemoUpstream> {
  const store = new UserStore()
  store.seedUsers(30)
  return startUserServer({ store, backend: slowRepliesBackend(store), transport: 'framed', protocol: 'binary' })
}

/** Until `cond` holds (bounded; the caller asserts afterwards). */
async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 20) await sleep(20)
}

/** What the index's own `getUser` calls (the re-read) meet: held, failed, or passed. */
interface Gate {
  mode: 'pass' | 'hold' | 'fail'
  held: Array<() => void>
}

function gated(gate: Gate) {
  return (call: (m: Message) => Promise<Message>) => async (m: Message): Promise<Message> => {
    if (m.method === 'getUser' && gate.mode === 'fail') throw new Error('injected: getUser unavailable')
    if (m.method === 'getUser' && gate.mode === 'hold') await new Promise<void>((r) => gate.held.push(r))
    return call(m)
  }
}

/** A slow write of user 1 (age 25) and, while it is in flight, a fast one (age 40): the upstream keeps 40. */
async function overlappingWrites(first: IndexStack, second: IndexStack): Promise<void> {
  const [a, b] = await Promise.all([first.client(), second.client()])
  const u1 = await a.getUser(1)
  const slow = a.putUser({ ...u1, name: 'slow-first', age: 25 })
  await sleep(50)
  await b.putUser({ ...u1, name: 'second', age: 40 })
  await slow
}

describe('writes that overlap on one key', () => {
  test('ranges forward while the key is in doubt, then are answered from the index correctly', async () => {
    const upstream = await slowUpstream()
    const gate: Gate = { mode: 'hold', held: [] }
    const s = await startIndexStack({ upstream, wrapUpstream: gated(gate) })
    try {
      gate.mode = 'pass'
      assert.equal((await s.index.backfill('User')).authoritative, true)
      gate.mode = 'hold'
      await overlappingWrites(s, s)
      const [c, direct] = await Promise.all([s.client(), s.direct()])
      const want = plain(await direct.listUsersByAge(40, 40, 0))
      assert.ok((want as Array<{ id: string }>).some((u) => u.id === '1'))
      assert.equal(s.index.metrics.overlaps, 1)
      assert.equal((await s.index.stats()).entities[0]!.inDoubt, 1)
      const forwarded = upstream.stats.calls.listUsersByAge
      assert.deepEqual(plain(await c.listUsersByAge(40, 40, 0)), want)
      assert.equal(upstream.stats.calls.listUsersByAge, forwarded + 1, 'forwarded while in doubt')
      assert.equal(s.index.metrics.fallbacks.in_doubt, 1)
      await until(() => gate.held.length > 0)
      gate.mode = 'pass'
      for (const r of gate.held.splice(0)) r()
      await until(() => s.index.metrics.rereads === 1)
      assert.equal(s.index.metrics.rereads, 1)
      assert.equal((await s.index.stats()).entities[0]!.inDoubt, 0)
      const hits = s.index.metrics.hits.range
      assert.deepEqual(plain(await c.listUsersByAge(40, 40, 0)), want)
      assert.deepEqual(plain(await c.listUsersByAge(25, 25, 0)), plain(await direct.listUsersByAge(25, 25, 0)))
      assert.equal(s.index.metrics.hits.range, hits + 2, 'answered from the index once settled')
      assert.equal(upstream.stats.calls.listUsersByAge, forwarded + 2, 'only the direct reference call reached the upstream')
    } finally {
      await s.close()
      await upstream.close()
    }
  })

  test('a failing re-read keeps ranges forwarded and is retried until it succeeds', async () => {
    const upstream = await slowUpstream()
    const gate: Gate = { mode: 'pass', held: [] }
    const s = await startIndexStack({ upstream, wrapUpstream: gated(gate) })
    try {
      assert.equal((await s.index.backfill('User')).authoritative, true)
      gate.mode = 'fail'
      await overlappingWrites(s, s)
      await until(() => s.index.metrics.rereadFailures >= 3)
      assert.ok(s.index.metrics.rereadFailures >= 3)
      const [c, direct] = await Promise.all([s.client(), s.direct()])
      const want = plain(await direct.listUsersByAge(40, 40, 0))
      const hits = s.index.metrics.hits.range
      assert.deepEqual(plain(await c.listUsersByAge(40, 40, 0)), want)
      assert.equal(s.index.metrics.hits.range, hits, 'never answered from the index while in doubt')
      assert.equal(s.index.metrics.rereads, 0)
      gate.mode = 'pass'
      await until(() => s.index.metrics.rereads === 1)
      assert.equal(s.index.metrics.rereads, 1)
      assert.deepEqual(plain(await c.listUsersByAge(40, 40, 0)), want)
      assert.equal(s.index.metrics.hits.range, hits + 1)
      assert.equal((await s.index.stats()).entities[0]!.authoritative, true)
    } finally {
      await s.close()
      await upstream.close()
    }
  })

  test('a re-read that finds the entity gone (declared exception) drops authority: ranges forward', async () => {
    const upstream = await slowUpstream()
    const s = await startIndexStack({ upstream })
    try {
      assert.equal((await s.index.backfill('User')).authoritative, true)
      const [a, b, direct] = await Promise.all([s.client(), s.client(), s.direct()])
      const u1 = await a.getUser(1)
      // The put is applied first and answered last, the delete applied last: the upstream has no user 1.
      const slow = a.putUser({ ...u1, name: 'slow-put', age: 40 })
      await sleep(50)
      await b.deleteUser(1)
      await slow
      let authoritative = true
      for (let i = 0; i < 250 && authoritative; i++) {
        authoritative = (await s.index.stats()).entities[0]!.authoritative
        if (authoritative) await sleep(20)
      }
      assert.equal(authoritative, false)
      const forwarded = s.index.metrics.fallbacks.not_authoritative
      assert.deepEqual(plain(await a.listUsersByAge(40, 40, 0)), plain(await direct.listUsersByAge(40, 40, 0)))
      assert.equal(s.index.metrics.fallbacks.not_authoritative, forwarded + 1)
    } finally {
      await s.close()
      await upstream.close()
    }
  })

  test('writes that do not overlap keep ranges answered from the index', async () => {
    const upstream = await slowUpstream()
    const s = await startIndexStack({ upstream })
    try {
      assert.equal((await s.index.backfill('User')).authoritative, true)
      const [a, b, direct] = await Promise.all([s.client(), s.client(), s.direct()])
      const [u1, u2] = await Promise.all([a.getUser(1), a.getUser(2)])
      // One after the other on one key (even a slow one), and at once on different keys.
      await a.putUser({ ...u1, name: 'slow-one', age: 33 })
      await b.putUser({ ...u1, name: 'two', age: 34 })
      await Promise.all([a.putUser({ ...u1, name: 'slow-three', age: 35 }), b.putUser({ ...u2, name: 'four', age: 35 })])
      assert.equal(s.index.metrics.overlaps, 0)
      const calls = upstream.stats.calls.listUsersByAge
      const hits = s.index.metrics.hits.range
      for (const [lo, hi] of [[33, 35], [35, 35], [18, 90]] as const) assert.deepEqual(plain(await a.listUsersByAge(lo, hi, 0)), plain(await direct.listUsersByAge(lo, hi, 0)))
      assert.equal(s.index.metrics.hits.range, hits + 3)
      assert.equal(upstream.stats.calls.listUsersByAge, calls + 3, 'only the direct reference calls')
    } finally {
      await s.close()
      await upstream.close()
    }
  })
})

describe('writes that overlap across two sidecars sharing Redis', () => {
  let redis: RedisServer
  before(async () => {
    redis = await startRedis()
  })
  after(async () => {
    await redis.stop()
  })

  test('both sidecars find the overlap in the stream, re-read, and answer what the upstream answers', async () => {
    const upstream = await slowUpstream()
    const replication = { url: redis.url, stream: 'tg:idx:overlap', blockMs: 100 }
    const a = await startIndexStack({ upstream, replication })
    const b = await startIndexStack({ upstream, replication })
    try {
      for (const s of [a, b]) assert.equal((await s.index.backfill('User')).authoritative, true)
      // The slow write through A is published after B's fast one: stream order is not the upstream's.
      await overlappingWrites(a, b)
      for (const s of [a, b]) {
        assert.equal(await s.index.readinessCheck({ waitCatchUpMs: 5000 }).check().then((r) => r.ok), true)
        await until(() => s.index.metrics.rereads >= 1)
        assert.ok(s.index.metrics.overlaps >= 1)
        assert.ok(s.index.metrics.rereads >= 1)
      }
      const direct = await a.direct()
      const want = plain(await direct.listUsersByAge(40, 40, 0))
      assert.ok((want as Array<{ id: string }>).some((u) => u.id === '1'))
      for (const s of [a, b]) {
        const hits = s.index.metrics.hits.range
        assert.deepEqual(plain(await (await s.client()).listUsersByAge(40, 40, 0)), want)
        assert.deepEqual(plain(await (await s.client()).listUsersByAge(25, 25, 0)), plain(await direct.listUsersByAge(25, 25, 0)))
        assert.equal(s.index.metrics.hits.range, hits + 2, 'answered from the index once settled')
      }
    } finally {
      await Promise.all([a.close(), b.close()])
      await upstream.close()
    }
  })
  test('a stream entry of an older sidecar (no send time) puts its key in doubt until re-read', async () => {
    const upstream = await slowUpstream()
    const replication = { url: redis.url, stream: 'tg:idx:overlap-old', blockMs: 100 }
    const s = await startIndexStack({ upstream, replication })
    const r = new Redis(redis.url)
    try {
      assert.equal((await s.index.backfill('User')).authoritative, true)
      const u5 = upstream.store.get(5n)!
      upstream.store.put({ ...u5, age: 77 })
      const change = { entity: 'User', pk: encodeValue('i64', { type: TType.I64, value: 5n })!, values: [encodeValue('string', { type: TType.STRING, value: Buffer.from(u5.email) })!, encodeValue('i32', { type: TType.I32, value: 77 })!] }
      await r.xadd('tg:idx:overlap-old', '*', 'c', encodeChanges([change]))
      await until(() => s.index.metrics.rereads === 1)
      assert.equal(s.index.metrics.overlaps, 1)
      assert.equal(s.index.metrics.rereads, 1)
      const direct = await s.direct()
      const hits = s.index.metrics.hits.range
      assert.deepEqual(plain(await (await s.client()).listUsersByAge(77, 77, 0)), plain(await direct.listUsersByAge(77, 77, 0)))
      assert.equal(s.index.metrics.hits.range, hits + 1)
    } finally {
      r.disconnect()
      await s.close()
      await upstream.close()
    }
  })
})
