import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { startDemoUpstream, UserStore, seedUser, MIN_SEED_AGE, MAX_SEED_AGE } from '../../proxy/demo/index.js'
import { connectUserClient, i64, toBigInt, ALL_DIALECTS, dialectName, testGen, type UserClient } from '../support/thrift-peers.js'

/** The declared demo.NotFound, as the (test/gen) client decodes it. */
const isNotFound = (e: unknown): boolean => e instanceof (testGen().user.NotFound as unknown as new () => Error)

function plain(u: { id: unknown; name: string; email: string; age: number; tags?: string[] | null }) {
  return { id: toBigInt(u.id), name: u.name, email: u.email, age: u.age, tags: u.tags ?? null }
}

describe('demo upstream: UserService semantics (framed/binary)', async () => {
  const up = await startDemoUpstream({ seed: 50 })
  const c = await connectUserClient(up.port, { transport: 'framed', protocol: 'binary' })
  after(async () => {
    await c.close()
    await up.close()
  })

  test('seedUsers is deterministic: ids 1..n, user<i>@example.com, ages 18..90', () => {
    assert.equal(up.store.size, 50)
    for (let i = 1; i <= 50; i++) {
      const u = up.store.get(BigInt(i))
      assert.ok(u)
      assert.equal(u.email, `user${i}@example.com`)
      assert.ok(u.age >= MIN_SEED_AGE && u.age <= MAX_SEED_AGE)
      assert.deepEqual(u, seedUser(i))
    }
    const ages = new Set(Array.from({ length: 73 }, (_, i) => seedUser(i + 1).age))
    assert.equal(ages.size, 73, 'the first 73 users cover every age 18..90')
  })

  test('getUser returns the stored user; a missing id is the declared NotFound', async () => {
    assert.deepEqual(plain(await c.getUser(7)), { id: 7n, name: 'User 7', email: 'user7@example.com', age: seedUser(7).age, tags: null })
    const err = await c.getUser(9999).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof Error)
    assert.equal((err as { message: string }).message, 'user 9999 not found')
    assert.ok(isNotFound(err))
  })

  test('getUserByEmail scans; NotFound when nobody has the email', async () => {
    assert.equal(toBigInt((await c.getUserByEmail('user12@example.com')).id), 12n)
    await assert.rejects(c.getUserByEmail('nobody@example.com'), isNotFound)
  })

  test('listUsersByAge: inclusive bounds, id order, limit ≤ 0 means no limit', async () => {
    const all = Array.from({ length: 50 }, (_, i) => seedUser(i + 1))
    const want = all.filter((u) => u.age >= 30 && u.age <= 40).map((u) => u.id)
    assert.ok(want.length > 3)
    assert.deepEqual((await c.listUsersByAge(30, 40, 0)).map((u) => toBigInt(u.id)), want)
    assert.deepEqual((await c.listUsersByAge(30, 40, -1)).map((u) => toBigInt(u.id)), want)
    assert.deepEqual((await c.listUsersByAge(30, 40, 2)).map((u) => toBigInt(u.id)), want.slice(0, 2))
    const edge = seedUser(1).age
    assert.ok((await c.listUsersByAge(edge, edge, 0)).some((u) => toBigInt(u.id) === 1n))
    assert.deepEqual(await c.listUsersByAge(91, 200, 0), [])
  })

  test('putUser upserts and returns the stored user; ids beyond 2^53 stay exact', async () => {
    const big = 2n ** 62n + 3n
    const u = { id: i64(big), name: 'Big', email: 'big@example.com', age: 33, tags: ['a', 'b'] }
    assert.deepEqual(plain(await c.putUser(u)), { id: big, name: 'Big', email: 'big@example.com', age: 33, tags: ['a', 'b'] })
    assert.equal(toBigInt(await c.countUsers()), 51n)
    assert.deepEqual(plain(await c.putUser({ ...u, name: 'Bigger' })), { id: big, name: 'Bigger', email: 'big@example.com', age: 33, tags: ['a', 'b'] })
    assert.equal(toBigInt(await c.countUsers()), 51n)
    assert.equal((await c.getUser(i64(big))).name, 'Bigger')
    assert.equal(toBigInt((await c.getUserByEmail('big@example.com')).id), big)
  })

  test('deleteUser removes; deleting a missing user is NotFound', async () => {
    await c.putUser({ id: 600, name: 'x', email: 'x@example.com', age: 20 })
    await c.deleteUser(600)
    await assert.rejects(c.getUser(600), isNotFound)
    await assert.rejects(c.deleteUser(600), isNotFound)
  })

  test('scanUsers pages in id order with nextAfter until the end', async () => {
    const seen: bigint[] = []
    let after = 0n
    for (let pages = 0; pages < 100; pages++) {
      const page = await c.scanUsers(i64(after), 7)
      seen.push(...page.users.map((u) => toBigInt(u.id)))
      if (page.nextAfter === null || page.nextAfter === undefined) break
      after = toBigInt(page.nextAfter)
      assert.equal(after, seen[seen.length - 1])
    }
    const sorted = [...up.store.scan(0n, 0).users.map((u) => u.id)]
    assert.deepEqual(seen, sorted)
    assert.deepEqual([...seen].sort((a, b) => (a < b ? -1 : 1)), seen)
    const tail = await c.scanUsers(i64(2n ** 63n - 1n), 5)
    assert.deepEqual(tail.users, [])
    assert.equal(tail.nextAfter ?? null, null)
  })

  test('touch is oneway and counted; stats count every call', async () => {
    const before = up.stats.calls.touch
    await c.touch(3)
    await c.countUsers() // same connection, answered after the oneway was handled
    assert.equal(up.stats.calls.touch, before + 1)
    assert.ok(up.stats.calls.getUser >= 3)
  })
})

describe('demo upstream: every dialect, latency, shared store', () => {
  for (const d of ALL_DIALECTS) {
    test(`${dialectName(d)}: get, scan lookup and put`, async () => {
      const up = await startDemoUpstream({ seed: 10, transport: d.transport, protocol: d.protocol, multiplexed: d.multiplexed, latencyMs: d.transport === 'header' ? 2 : 0 })
      let c: UserClient | undefined
      try {
        c = await connectUserClient(up.port, d)
        const [a, b, n] = await Promise.all([c.getUser(2), c.getUserByEmail('user3@example.com'), c.countUsers()])
        assert.equal(a.email, 'user2@example.com')
        assert.equal(toBigInt(b.id), 3n)
        assert.equal(toBigInt(n), 10n)
        await c.putUser({ id: 11, name: 'n', email: 'n@example.com', age: 50 })
        assert.equal(up.store.size, 11)
      } finally {
        await c?.close()
        await up.close()
      }
    })
  }

  test('latencyMs and scanLatencyMs delay answers (async path) without changing them', async () => {
    const up = await startDemoUpstream({ seed: 5, latencyMs: 5, scanLatencyMs: 10, transport: 'header', protocol: 'compact' })
    const c = await connectUserClient(up.port, { transport: 'header', protocol: 'compact' })
    try {
      const [x, y] = await Promise.all([c.getUserByEmail('user5@example.com'), c.getUser(1)])
      assert.equal(toBigInt(x.id), 5n)
      assert.equal(toBigInt(y.id), 1n)
    } finally {
      await c.close()
      await up.close()
    }
  })

  test('two upstreams can share one store', async () => {
    const store = new UserStore()
    const a = await startDemoUpstream({ store, seed: 3 })
    const b = await startDemoUpstream({ store })
    const ca = await connectUserClient(a.port, { transport: 'framed', protocol: 'binary' })
    const cb = await connectUserClient(b.port, { transport: 'framed', protocol: 'binary' })
    try {
      await ca.putUser({ id: 4, name: 'four', email: 'four@example.com', age: 44 })
      assert.equal((await cb.getUser(4)).name, 'four')
    } finally {
      await ca.close()
      await cb.close()
      await a.close()
      await b.close()
    }
  })

  test('runs alone: node --import tsx proxy/demo/upstream.ts --port 0', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'proxy/demo/upstream.ts', '--port', '0', '--seed', '20'], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      let out = ''
      p.stdout.setEncoding('utf8')
      for await (const chunk of p.stdout) {
        out += chunk as string
        if (out.includes('\n')) break
      }
      const m = /listening on 127\.0\.0\.1:(\d+) with 20 users/.exec(out)
      assert.ok(m, out)
      const c = await connectUserClient(Number(m[1]), { transport: 'framed', protocol: 'binary' })
      assert.equal(toBigInt(await c.countUsers()), 20n)
      await c.close()
    } finally {
      p.kill('SIGTERM')
      await once(p, 'exit')
    }
  })
})
