// Lookups through a real proxy in front of the demo UserService (thrift library): answers from the
// index equal the upstream's exactly; a stale index (changes behind the proxy's back) falls back and
// still answers correctly; failed writes change nothing; ranges are forwarded before a backfill and
// answered from the index after it.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startIndexStack, plain, big, type IndexStack } from './harness.js'
import type { UserClient } from '../support/thrift-peers.js'

async function outcome<T>(p: Promise<T>): Promise<{ ok: unknown } | { err: string }> {
  try {
    return { ok: plain(await p) }
  } catch (e) {
    return { err: `${(e as Error).name}: ${(e as { message?: string }).message}` }
  }
}

describe('index lookups through the proxy', () => {
  let s: IndexStack
  let viaProxy: UserClient
  let direct: UserClient
  before(async () => {
    s = await startIndexStack({ seed: 300 })
    viaProxy = await s.client()
    direct = await s.direct()
  })
  after(async () => {
    await s.close()
  })

  test('before a backfill: point lookups miss and ranges forward, with the upstream’s answers', async () => {
    const calls = s.upstream.stats.calls
    const before = { email: calls.getUserByEmail, age: calls.listUsersByAge }
    assert.deepEqual(await outcome(viaProxy.getUserByEmail('user7@example.com')), await outcome(direct.getUserByEmail('user7@example.com')))
    assert.deepEqual(await outcome(viaProxy.listUsersByAge(20, 25, 10)), await outcome(direct.listUsersByAge(20, 25, 10)))
    // Each went to the upstream once through the proxy and once directly.
    assert.equal(calls.getUserByEmail - before.email, 2)
    assert.equal(calls.listUsersByAge - before.age, 2)
    assert.equal(s.index.metrics.fallbacks.not_authoritative, 1)
  })

  test('the forwarded lookup was learned: the next one is answered from the index', async () => {
    const n = s.upstream.stats.calls.getUserByEmail
    assert.deepEqual(await outcome(viaProxy.getUserByEmail('user7@example.com')), await outcome(direct.getUserByEmail('user7@example.com')))
    assert.equal(s.upstream.stats.calls.getUserByEmail - n, 1, 'only the direct call reached the upstream')
    assert.equal(s.index.metrics.hits.point, 1)
  })

  test('after a backfill: point and range lookups come from the index and equal the upstream’s', async () => {
    const r = await s.index.backfill('User', { pageSize: 64 })
    assert.equal(r.scanned, 300)
    assert.equal(r.authoritative, true)
    const calls = s.upstream.stats.calls
    const before = { email: calls.getUserByEmail, age: calls.listUsersByAge }
    for (const e of ['user1@example.com', 'user150@example.com', 'user300@example.com', 'nobody@example.com']) {
      assert.deepEqual(await outcome(viaProxy.getUserByEmail(e)), await outcome(direct.getUserByEmail(e)), e)
    }
    for (const [lo, hi, limit] of [[18, 18, 0], [20, 25, 10], [18, 90, 1], [18, 90, 100], [30, 40, 1000], [50, 40, 5], [91, 99, 0], [-5, 19, 3]] as const) {
      assert.deepEqual(await outcome(viaProxy.listUsersByAge(lo, hi, limit)), await outcome(direct.listUsersByAge(lo, hi, limit)), `${lo}..${hi} limit ${limit}`)
    }
    assert.equal(calls.getUserByEmail - before.email, 5, 'the 4 direct calls, and the miss (nobody@) forwarded')
    assert.equal(calls.listUsersByAge - before.age, 8, 'ranges answered from the index')
  })

  test('writes through the proxy move entries; the old value no longer finds the entity', async () => {
    const u = await viaProxy.getUser(42)
    await viaProxy.putUser({ ...u, email: 'renamed42@example.com', age: 77 })
    const n = s.upstream.stats.calls.getUserByEmail
    assert.deepEqual(await outcome(viaProxy.getUserByEmail('renamed42@example.com')), await outcome(direct.getUserByEmail('renamed42@example.com')))
    assert.equal(s.upstream.stats.calls.getUserByEmail - n, 1, 'the new email is answered from the index')
    assert.deepEqual(await outcome(viaProxy.getUserByEmail('user42@example.com')), await outcome(direct.getUserByEmail('user42@example.com')))
    assert.deepEqual(await outcome(viaProxy.listUsersByAge(77, 77, 0)), await outcome(direct.listUsersByAge(77, 77, 0)))
    await viaProxy.deleteUser(43)
    assert.deepEqual(await outcome(viaProxy.getUserByEmail('user43@example.com')), await outcome(direct.getUserByEmail('user43@example.com')))
    assert.deepEqual((await s.index.get('User', 'email', 'user43@example.com')).keys, [])
  })

  test('failed writes leave the index unchanged', async () => {
    const before = await s.index.stats()
    await assert.rejects(viaProxy.deleteUser(99_999)) // NotFound: a declared exception
    await assert.rejects(viaProxy.putUser({ id: null, name: 'x', email: 'ghost@example.com', age: 33 } as never)) // TApplicationException
    assert.deepEqual((await s.index.get('User', 'email', 'ghost@example.com')).keys, [])
    const after = await s.index.stats()
    assert.deepEqual(after.entities, before.entities)
    assert.equal(s.index.metrics.writesFailed, 2)
  })

  test('a stale index (changes behind the proxy’s back) falls back and answers correctly', async () => {
    // Email changed, age changed, entity deleted: straight in the upstream's store.
    const u10 = s.upstream.store.get(10n)!
    s.upstream.store.put({ ...u10, email: 'moved10@example.com' })
    s.upstream.store.delete(11n)
    const mismatches = s.index.metrics.fallbacks.mismatch
    const failed = s.index.metrics.fallbacks.fetch_failed
    for (const e of ['user10@example.com', 'moved10@example.com', 'user11@example.com']) {
      assert.deepEqual(await outcome(viaProxy.getUserByEmail(e)), await outcome(direct.getUserByEmail(e)), e)
    }
    assert.equal(s.index.metrics.fallbacks.mismatch - mismatches, 1, 'user10@ no longer matches')
    assert.equal(s.index.metrics.fallbacks.fetch_failed - failed, 1, 'user 11 is gone')
    // The mismatch taught the index the new email: now it is answered from the index.
    const n = s.upstream.stats.calls.getUserByEmail
    assert.deepEqual(await outcome(viaProxy.getUserByEmail('moved10@example.com')), await outcome(direct.getUserByEmail('moved10@example.com')))
    assert.equal(s.upstream.stats.calls.getUserByEmail - n, 1)
    // A range over the deleted entity forwards rather than answer wrongly.
    const age11 = plain(await direct.listUsersByAge(0, 200, 0)) as Array<{ id: string }>
    assert.ok(!age11.some((u) => u.id === '11'))
    assert.deepEqual(await outcome(viaProxy.listUsersByAge(0, 200, 0)), { ok: age11 })
    assert.equal(big(u10.id), 10n)
  })

  test('verify finds the drift the proxy did not see', async () => {
    const u20 = s.upstream.store.get(20n)!
    s.upstream.store.put({ ...u20, age: u20.age === 90 ? 18 : u20.age + 1 })
    const report = await s.index.verify('User', { sample: 1000 })
    assert.ok(report.checked > 250)
    assert.ok(report.mismatches.some((m) => m.key === '20' && m.problem === 'index_differs'), JSON.stringify(report.mismatches))
    assert.ok(report.mismatches.some((m) => m.key === '11' && m.problem === 'missing_upstream'))
  })
})
