// The demo UserService serving from a backend that answers with promises (as a database does; the
// index bench's PostgreSQL table is one): the same answers as the in-memory store, NotFound
// included, and the index backfills through it and answers lookups that equal the upstream's.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { connectUserClient, startUserServer, type DemoUpstream } from '../support/thrift-peers.js'
import { UserStore, type User, type UserBackend } from '../../proxy/demo/index.js'
import { startIndexStack, plain, type IndexStack } from './harness.js'

/** The in-memory store behind promises that settle on a later turn of the event loop. */
class LaterStore implements UserBackend {
  constructor(private readonly inner: UserStore) {}
  private async later<T>(f: () => T): Promise<T> {
    await sleep(1)
    return f()
  }
  get = (id: bigint): Promise<User | undefined> => this.later(() => this.inner.get(id))
  findByEmail = (email: string): Promise<User | undefined> => this.later(() => this.inner.findByEmail(email))
  listByAge = (lo: number, hi: number, limit: number): Promise<User[]> => this.later(() => this.inner.listByAge(lo, hi, limit))
  put = (u: User): Promise<User> => this.later(() => this.inner.put(u))
  delete = (id: bigint): Promise<boolean> => this.later(() => this.inner.delete(id))
  scan = (afterId: bigint, limit: number): Promise<{ users: User[]; nextAfter: bigint | undefined }> => this.later(() => this.inner.scan(afterId, limit))
  count = (): Promise<number> => this.later(() => this.inner.count())
}

async function outcome<T>(p: Promise<T>): Promise<{ ok: unknown } | { err: string }> {
  try {
    return { ok: plain(await p) }
  } catch (e) {
    return { err: `${(e as Error).name}: ${(e as { message?: string }).message}` }
  }
}

describe('demo upstream on an asynchronous backend', () => {
  let memory: DemoUpstream
  let s: IndexStack
  before(async () => {
    const data = new UserStore()
    data.seedUsers(120)
    memory = await startUserServer({ seed: 120 })
    s = await startIndexStack({ upstream: await startUserServer({ backend: new LaterStore(data), seed: 5 }) })
  })
  after(async () => {
    await s.close()
    await s.upstream.close()
    await memory.close()
  })

  test('answers as the in-memory store does; the seed option is for the in-memory store only', async () => {
    const a = await s.direct()
    assert.equal(Number(await a.countUsers()), 120)
    assert.equal(s.upstream.store.size, 0)
    const b = await connectUserClient(memory.port, { transport: 'framed', protocol: 'binary' })
    try {
      for (const e of ['user9@example.com', 'nobody@example.com']) assert.deepEqual(await outcome(a.getUserByEmail(e)), await outcome(b.getUserByEmail(e)), e)
      assert.deepEqual(await outcome(a.listUsersByAge(20, 30, 7)), await outcome(b.listUsersByAge(20, 30, 7)))
      assert.deepEqual(await outcome(a.getUser(999)), await outcome(b.getUser(999)))
      assert.deepEqual(await outcome(a.deleteUser(999)), await outcome(b.deleteUser(999)))
    } finally {
      await b.close()
    }
  })

  test('the index backfills through it and answers lookups equal to the upstream’s', async () => {
    const r = await s.index.backfill('User', { pageSize: 50 })
    assert.equal(r.scanned, 120)
    assert.equal(r.authoritative, true)
    const viaProxy = await s.client()
    const direct = await s.direct()
    const hits = s.index.metrics.hits.point
    assert.deepEqual(await outcome(viaProxy.getUserByEmail('user77@example.com')), await outcome(direct.getUserByEmail('user77@example.com')))
    assert.equal(s.index.metrics.hits.point, hits + 1)
    assert.deepEqual(await outcome(viaProxy.listUsersByAge(18, 40, 25)), await outcome(direct.listUsersByAge(18, 40, 25)))
  })
})
