// TTL expiry, grace (serve stale, refresh in the background), keep (serve stale when the upstream
// fails), vary keys, and the in-process byte bound under churn, on real thrift peers.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { connectUserClient, startUserServer, type UserClient } from '../support/thrift-peers.js'
import { sleep } from '../support/net.js'
import { startStack } from './harness.js'

const rename = (store: { get(id: bigint): unknown; put(u: never): unknown }, id: number, name: string): void => {
  store.put({ ...(store.get(BigInt(id)) as object), name } as never)
}

async function until(f: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const t0 = Date.now()
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached')
    await sleep(10)
  }
}

describe('freshness', () => {
  test('an entry expires after its ttl', async () => {
    const s = await startStack({ services: 'services:\n  UserService:\n    reads:\n      getUser: { ttl: 150ms }\n' })
    try {
      const c = await s.client()
      await c.getUser(1)
      rename(s.upstream.store, 1, 'later')
      assert.notEqual((await c.getUser(1)).name, 'later') // still cached
      await sleep(250)
      assert.equal((await c.getUser(1)).name, 'later')
    } finally {
      await s.close()
    }
  })

  test('grace: past ttl the stale entry is served while one background refresh runs', async () => {
    const s = await startStack({ services: 'services:\n  UserService:\n    reads:\n      getUser: { ttl: 100ms, grace: 10s }\n' })
    try {
      const c = await s.client()
      const old = await c.getUser(2)
      rename(s.upstream.store, 2, 'refreshed')
      await sleep(150)
      assert.equal((await c.getUser(2)).name, old.name) // stale, answered at once
      assert.ok(s.cache.metrics.staleServed >= 1)
      await until(async () => (await c.getUser(2)).name === 'refreshed')
      assert.ok(s.cache.metrics.refreshes >= 1)
    } finally {
      await s.close()
    }
  })

  test('keep: past ttl+grace, a failing upstream gets the stale entry served instead of an error', async () => {
    const upstream = await startUserServer({ seed: 10, transport: 'framed', protocol: 'binary' })
    const s = await startStack({ upstream, services: 'services:\n  UserService:\n    reads:\n      getUser: { ttl: 100ms, keep: 10m }\n' })
    try {
      const c = await s.client()
      const old = await c.getUser(3)
      await upstream.close()
      await sleep(150)
      assert.deepEqual(await c.getUser(3), old)
      assert.ok(s.cache.metrics.staleServed >= 1)
    } finally {
      await s.close()
    }
  })

  test('vary: entries are per THeader value, never shared between callers', async () => {
    const upstream = await startUserServer({ seed: 10, transport: 'header', protocol: 'binary' })
    const s = await startStack({
      upstream,
      services: 'services:\n  UserService:\n    reads:\n      getUser: { ttl: 60s, vary: [tenant] }\n    writes:\n      putUser: { invalidates: ["getUser(id: u.id)"] }\n',
    })
    const clients: UserClient[] = []
    const connect = async (tenant: string | undefined): Promise<UserClient> => {
      const c = await connectUserClient(s.port, { transport: 'header', protocol: 'binary', ...(tenant === undefined ? {} : { headers: { tenant } }) } as never)
      clients.push(c)
      return c
    }
    try {
      const a = await connect('a')
      const b = await connect('b')
      const none = await connect(undefined)
      await a.getUser(4)
      await b.getUser(4)
      await none.getUser(4)
      assert.equal(upstream.stats.calls.getUser, 3)
      await a.getUser(4)
      await b.getUser(4)
      assert.equal(upstream.stats.calls.getUser, 3)
      // with vary a targeted invalidation covers every caller's variant
      await a.putUser({ id: 4, name: 'v2', email: 'v@example.com', age: 20 })
      assert.equal((await b.getUser(4)).name, 'v2')
      assert.equal((await none.getUser(4)).name, 'v2')
    } finally {
      await Promise.all(clients.map((c) => c.close()))
      await s.close()
      await upstream.close()
    }
  })

  test('the in-process tier stays within its byte bound under churn', async () => {
    const upstream = await startUserServer({ seed: 200, transport: 'framed', protocol: 'compact' })
    const s = await startStack({ upstream, memory: '8KiB' })
    try {
      const c = await s.client({ protocol: 'compact' })
      const lru = s.cache.tiers.local?.lru
      assert.ok(lru)
      for (let round = 0; round < 2; round++) {
        for (let id = 1; id <= 200; id++) {
          const u = await c.getUser(id)
          assert.equal(Number(String(u.id)), id)
          assert.ok(lru.bytes <= 8 * 1024)
        }
      }
      assert.ok(lru.stats().evictions > 0)
      assert.ok(lru.size > 10)
    } finally {
      await s.close()
      await upstream.close()
    }
  })
})
