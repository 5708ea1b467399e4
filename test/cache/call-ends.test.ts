// How the cache hears that a call ended (proxy/core onSettled, onFailure): readers coalesced behind
// a leader whose call a later handler answered finish promptly, and a write whose outcome is unknown
// has invalidated before its client gets the error, so the next read never sees the old value.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { applicationExceptionFor, TApplicationExceptionType } from '../../proxy/codec/index.js'
import type { CallContext, CallHandler } from '../../proxy/core/index.js'
import { sharedRedisUrl } from '../support/redis.js'
import { sleep } from '../support/net.js'
import { startUserServer } from '../support/thrift-peers.js'
import { startStack } from './harness.js'

/** After the cache: refuses getUser (an answer that depends on the caller, so never shared). */
class Refuser implements CallHandler {
  calls = 0
  async onCall(ctx: CallContext): Promise<Buffer[] | undefined> {
    if (ctx.message.method !== 'getUser') return undefined
    this.calls++
    await sleep(50) // long enough for the other readers to coalesce behind the first
    return applicationExceptionFor(ctx.message, 'refused by policy', TApplicationExceptionType.UNKNOWN)
  }
}

describe('a later handler answers the call the cache leads', () => {
  // Before onSettled, the coalesced readers waited for the flight's 30 s safety net.
  test('coalesced readers finish promptly and each asks that handler itself', { timeout: 15_000 }, async () => {
    const refuser = new Refuser()
    const s = await startStack({ after: [refuser] })
    try {
      const clients = await Promise.all(Array.from({ length: 12 }, () => s.client()))
      const results = await Promise.allSettled(clients.map((c) => c.getUser(3)))
      for (const r of results) {
        assert.equal(r.status, 'rejected')
        assert.match(String((r.reason as Error).message), /refused by policy/)
      }
      assert.ok(s.cache.metrics.coalescedWaits >= 1, 'the readers did coalesce')
      assert.equal(refuser.calls, 12, 'the refusal was not shared: every reader was asked')
      assert.equal(s.upstream.stats.calls.getUser, 0)
      assert.equal(s.cache.metrics.fills, 0, 'nothing was stored')
    } finally {
      await s.close()
    }
  })
})

/** Before the cache: its onFailure runs first (the core runs them in order) and takes a while. */
class SlowFailure implements CallHandler {
  async onFailure(ctx: CallContext): Promise<void> {
    if (ctx.message.method === 'putUser') await sleep(150)
  }
}

const variants = [
  { name: 'in-process only', redis: false, memory: '8MiB' },
  { name: 'Redis only', redis: true, memory: '0' },
  { name: 'in-process + Redis', redis: true, memory: '8MiB' },
] as const

describe('a write whose outcome is unknown', () => {
  let redisUrl: string
  before(async () => {
    redisUrl = await sharedRedisUrl()
  })

  for (const v of variants) {
    test(`${v.name}: the client gets its error after the invalidation; the next read is not the old value`, async () => {
      const upstream = await startUserServer({ seed: 20, transport: 'framed', protocol: 'binary', latencyMs: 200 })
      const s = await startStack({
        upstream,
        redisUrl: v.redis ? redisUrl : undefined,
        keyPrefix: `unknown${Date.now()}${Math.random()}:`,
        memory: v.memory,
        before: [new SlowFailure()],
        methodTimeoutsMs: { putUser: 60 },
      })
      try {
        const reader = await s.client()
        const old = await reader.getUser(5)
        assert.equal((await reader.getUser(5)).name, old.name)
        assert.equal(upstream.stats.calls.getUser, 1, 'cached')
        const writer = await s.client()
        // The upstream applies the write after 200 ms; the proxy gives up on it after 60 ms.
        await assert.rejects(writer.putUser({ id: 5, name: 'unknown-outcome', email: old.email, age: old.age }), /timed out/)
        const next = await reader.getUser(5)
        assert.notEqual(next.name, old.name, 'the pre-write cached value was served after the write failed')
        // Forwarded behind the write, the read sees what the write did.
        assert.equal(next.name, 'unknown-outcome')
      } finally {
        await s.close()
        await upstream.close()
      }
    })
  }
})
