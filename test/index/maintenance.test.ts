// Maintenance with the read cache and during a backfill, and a disabled index: writes invalidate
// cached replies keyed by OLD values; a write that passes while a backfill page is in flight is
// not undone by the (older) page; a locked or corrupt directory leaves a working proxy.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startIndexStack, plain, type IndexStack } from './harness.js'
import { IndexStore } from '../../proxy/index/store.js'
import { tempDir } from '../support/tmp.js'
import { startUserServer } from '../support/thrift-peers.js'

async function outcome<T>(p: Promise<T>): Promise<{ ok: unknown } | { err: string }> {
  try {
    return { ok: plain(await p) }
  } catch (e) {
    return { err: `${(e as Error).name}: ${(e as { message?: string }).message}` }
  }
}

describe('index maintenance', () => {
  test('a write invalidates cached lookups for the old and the new value, and cached ranges', async () => {
    const s = await startIndexStack({ seed: 60, cache: true })
    try {
      const c = await s.client()
      const d = await s.direct()
      // Cache them: the old email (a hit), the new email (a cached NotFound), a range.
      assert.deepEqual(await outcome(c.getUserByEmail('user5@example.com')), await outcome(d.getUserByEmail('user5@example.com')))
      await assert.rejects(c.getUserByEmail('five@example.com'))
      await c.listUsersByAge(18, 90, 0)
      const u5 = await c.getUser(5)
      await c.putUser({ ...u5, email: 'five@example.com', age: 90 })
      for (const e of ['user5@example.com', 'five@example.com']) assert.deepEqual(await outcome(c.getUserByEmail(e)), await outcome(d.getUserByEmail(e)), e)
      assert.deepEqual(await outcome(c.listUsersByAge(18, 90, 0)), await outcome(d.listUsersByAge(18, 90, 0)))
      await c.deleteUser(5)
      assert.deepEqual(await outcome(c.getUserByEmail('five@example.com')), await outcome(d.getUserByEmail('five@example.com')))
    } finally {
      await s.close()
    }
  })

  test('point lookups fetch the entity through the cache', async () => {
    const s = await startIndexStack({ seed: 60, cache: true })
    try {
      await s.index.backfill('User')
      const c = await s.client()
      const gets = s.upstream.stats.calls.getUser
      await c.getUserByEmail('user9@example.com') // index hit; getUser(9) fills the cache
      await c.getUser(9) // a cache hit for the client, too
      assert.equal(s.upstream.stats.calls.getUser - gets, 1)
      assert.equal(s.index.metrics.hits.point, 1)
      assert.equal(s.upstream.stats.calls.getUserByEmail, 0)
    } finally {
      await s.close()
    }
  })

  test('a write (and a delete) passing while a backfill page is in flight is not undone by the page', async () => {
    let held = false
    const s = await startIndexStack({
      seed: 30,
      wrapUpstream: (call, stack) => async (m) => {
        const reply = await call(m)
        if (m.method === 'scanUsers' && !held) {
          held = true
          // The page above was read before these writes; it is applied after them.
          const c = await stack().client()
          const u3 = await c.getUser(3)
          await c.putUser({ ...u3, email: 'three@example.com', age: 50 })
          await c.deleteUser(4)
        }
        return reply
      },
    })
    try {
      const r = await s.index.backfill('User', { pageSize: 100 })
      assert.equal(r.authoritative, true)
      assert.deepEqual((await s.index.get('User', 'email', 'three@example.com')).keys, ['3'])
      assert.deepEqual((await s.index.get('User', 'email', 'user3@example.com')).keys, [])
      assert.deepEqual((await s.index.get('User', 'email', 'user4@example.com')).keys, [])
      const c = await s.client()
      const d = await s.direct()
      const n = s.upstream.stats.calls.listUsersByAge
      assert.deepEqual(await outcome(c.listUsersByAge(18, 90, 0)), await outcome(d.listUsersByAge(18, 90, 0)))
      assert.equal(s.upstream.stats.calls.listUsersByAge - n, 1, 'answered from the index')
    } finally {
      await s.close()
    }
  })

  test('a backfill over an existing index removes entities the upstream no longer has', async () => {
    const s = await startIndexStack({ seed: 40 })
    try {
      await s.index.backfill('User', { pageSize: 8 })
      for (const id of [1n, 17n, 24n, 40n]) s.upstream.store.delete(id) // first, a page boundary, the last
      const r = await s.index.backfill('User', { pageSize: 8 })
      assert.equal(r.scanned, 36)
      for (const id of [1, 17, 24, 40]) assert.deepEqual((await s.index.get('User', 'email', `user${id}@example.com`)).keys, [], `user ${id}`)
      assert.deepEqual((await s.index.get('User', 'email', 'user2@example.com')).keys, ['2'])
      assert.equal((await s.index.stats()).entities[0]!.entities, 36)
    } finally {
      await s.close()
    }
  })

  test('an interrupted backfill resumes from its stored cursor after a restart', async () => {
    const dir = tempDir()
    const path = join(dir.path, 'idx')
    let s: IndexStack = await startIndexStack({ seed: 50, path })
    const abort = new AbortController()
    await assert.rejects(
      s.index.backfill('User', { pageSize: 10, signal: abort.signal, onProgress: (p) => p.pages === 2 && abort.abort() }),
      { code: 'TG_ERR_INDEX_BACKFILL' },
    )
    assert.equal((await s.index.stats()).entities[0]!.backfill?.scanned, 20)
    await s.close()
    s = await startIndexStack({ seed: 50, path })
    try {
      const scans = s.upstream.stats.calls.scanUsers
      const r = await s.index.backfill('User', { pageSize: 10 })
      assert.equal(r.resumed, true)
      assert.equal(r.scanned, 50)
      assert.equal(s.upstream.stats.calls.scanUsers - scans, 4, '3 remaining pages and the empty one')
      assert.equal((await s.index.stats()).entities[0]!.entities, 50)
    } finally {
      await s.close()
    }
  })

  test('a write without a reply (timeout) has an unknown outcome: ranges forward until a backfill', async () => {
    const upstream = await startUserServer({ seed: 20, transport: 'framed', protocol: 'binary', latencyMs: 200 })
    const s = await startIndexStack({ upstream, requestTimeoutMs: 50 })
    try {
      assert.equal((await s.index.backfill('User')).authoritative, true)
      const c = await s.client()
      const u = { id: 5, name: 'x', email: 'x@example.com', age: 44 }
      await assert.rejects(c.putUser(u as never)) // the proxy answers the client with a timeout error
      const stats = await s.index.stats()
      assert.equal(stats.entities[0]!.authoritative, false)
      assert.match(stats.entities[0]!.reason, /outcome is unknown/)
      assert.equal(s.index.metrics.writesUnknown, 1)
      assert.equal((await s.index.backfill('User')).authoritative, true)
    } finally {
      await s.close()
      await upstream.close()
    }
  })

  test('a locked or corrupt index directory: the index is disabled, the proxy forwards', async () => {
    const dir = tempDir()
    const lockedPath = join(dir.path, 'locked')
    const holder = await IndexStore.open(lockedPath, [])
    const corruptPath = join(dir.path, 'corrupt')
    mkdirSync(corruptPath)
    writeFileSync(join(corruptPath, 'CURRENT'), 'not a manifest name\n')
    try {
      for (const [path, code] of [[lockedPath, 'TG_ERR_INDEX_LOCKED'], [corruptPath, 'TG_ERR_INDEX_CORRUPT']] as const) {
        const s = await startIndexStack({ seed: 10, path })
        try {
          assert.equal(s.index.enabled, false)
          assert.equal(s.index.error?.code, code)
          const c = await s.client()
          assert.equal((plain(await c.getUserByEmail('user2@example.com')) as { id: string }).id, '2')
          assert.equal(s.index.metrics.fallbacks.disabled, 1)
          const check = await s.index.readinessCheck().check()
          assert.equal(check.ok, true)
          assert.match(check.detail, new RegExp(code))
          assert.equal((await s.index.readinessCheck({ requireIndex: true }).check()).ok, false)
          await assert.rejects(s.index.backfill('User'), { code })
        } finally {
          await s.close()
        }
      }
    } finally {
      await holder.close()
    }
  })
})
