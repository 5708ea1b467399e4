// A reader that arrives after a write's invalidation must not join a fetch that began before it:
// that fetch may have read the upstream before the write was applied, and the reader, invoked after
// the write was acknowledged, would get the overwritten value (a stale read after a write through
// this proxy). Forced: a CallHandler before the cache holds the first read's reply until a write and
// a second read have passed.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { sharedRedisUrl } from '../support/redis.js'
import { startStack } from './harness.js'
import { ReplyGate as Gate, TIER_LAYOUTS as variants } from './reply-gate.js'

describe('coalescing and writes', () => {
  let redisUrl: string
  before(async () => {
    redisUrl = await sharedRedisUrl()
  })

  for (const v of variants) {
    test(`${v.name}: a read invoked after a write does not get the answer of a fetch that began before it`, async () => {
      const gate = new Gate()
      const s = await startStack({ redisUrl: v.redis ? redisUrl : undefined, keyPrefix: `coal${Date.now()}${Math.random()}:`, memory: v.memory, before: [gate] })
      try {
        const [first, writer, second] = [await s.client(), await s.client(), await s.client()]
        gate.armed = true
        const read = first.getUser(4) // leads: fetched before the write, its reply held
        await gate.held
        const old = s.upstream.store.get(4n)
        assert.ok(old)
        await writer.putUser({ id: 4, name: 'after-write', email: old.email, age: old.age })
        const later = second.getUser(4) // invoked after the write's acknowledgement
        await new Promise((r) => setTimeout(r, 50)) // it would be waiting on the first read's fetch by now
        gate.open()
        assert.notEqual((await read).name, 'after-write')
        assert.equal((await later).name, 'after-write', 'a read after the write got the value it overwrote')
      } finally {
        await s.close()
      }
    })
  }
})
