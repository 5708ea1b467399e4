import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { num, startStack, type Stack } from './harness.js'

describe('read cache, in-process tier only, real thrift peers', () => {
  let s: Stack
  before(async () => {
    s = await startStack()
  })
  after(async () => {
    await s.close()
  })

  test('a repeated read is answered from memory; the upstream sees it once', async () => {
    const c = await s.client()
    const before = s.upstream.stats.calls.getUser
    const a = await c.getUser(1)
    const b = await c.getUser(1)
    assert.deepEqual(b, a)
    assert.equal(s.upstream.stats.calls.getUser - before, 1)
    assert.ok(s.cache.metrics.hitsMemory >= 1)
  })

  test('a write invalidates the entry it names before its reply is released', async () => {
    const c = await s.client()
    const u = await c.getUser(2)
    await c.putUser({ ...u, name: 'renamed' })
    const again = await c.getUser(2)
    assert.equal(again.name, 'renamed')
  })

  test('a bare method invalidation drops every entry of the method', async () => {
    const c = await s.client()
    const n0 = num(await c.countUsers())
    assert.equal(num(await c.countUsers()), n0)
    await c.putUser({ id: 1000, name: 'new', email: 'new@example.com', age: 30 })
    assert.equal(num(await c.countUsers()), n0 + 1)
  })

  test('declared exceptions listed under negative are cached; the reply is the same exception', async () => {
    const c = await s.client()
    const before = s.upstream.stats.calls.getUser
    await assert.rejects(c.getUser(99_999), (e: Error) => e.name === 'NotFound' || /not found/.test(String((e as { message?: string }).message)))
    await assert.rejects(c.getUser(99_999), (e: Error) => e.name === 'NotFound' || /not found/.test(String((e as { message?: string }).message)))
    assert.equal(s.upstream.stats.calls.getUser - before, 1)
    assert.ok(s.cache.metrics.negativeHits >= 1)
  })

  test('a compact client and a binary client share one entry, each answered in its own dialect', async () => {
    const up = s.upstream.stats.calls
    const bin = await s.client({ protocol: 'binary' })
    const before = up.getUser
    const a = await bin.getUser(7)
    const cmp = await s.client({ protocol: 'compact' })
    const b = await cmp.getUser(7) // never reaches the (binary-only) upstream
    assert.deepEqual(b, a)
    assert.equal(up.getUser - before, 1)
  })

  test('methods without a read rule are forwarded and counted as not_configured', async () => {
    const c = await s.client()
    const before = s.cache.metrics.uncached.not_configured
    await c.scanUsers(0, 2)
    await c.scanUsers(0, 2)
    assert.ok(s.cache.metrics.uncached.not_configured - before >= 2)
  })
})
