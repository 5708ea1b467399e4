import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { StoredEntry } from '../../proxy/cache/entry.js'
import { LocalTier, type MethodSlot } from '../../proxy/cache/local-tier.js'

function entry(tag: string): StoredEntry {
  const now = Date.now()
  return { kind: 'value', storedAt: now, freshUntil: now + 60_000, graceUntil: now + 60_000, keepUntil: now + 60_000, result: Buffer.from(tag) }
}

describe('LocalTier stale-set protection', () => {
  test('a fill whose token predates a key invalidation is dropped', () => {
    const t = new LocalTier({ maxBytes: 1 << 20, maxFillAgeMs: 10_000 })
    const slot: MethodSlot = { methodId: 'S.get', gen: 0 }
    const tok = t.token(slot) // read starts
    t.invalidateKey('k1') // write passes
    assert.equal(t.fill('k1', slot, tok, entry('old')), false) // read's fill arrives
    assert.equal(t.get('k1', slot), undefined)
    // another key is not affected
    assert.equal(t.fill('k2', slot, tok, entry('x')), true)
    // a read that starts after the invalidation fills normally
    assert.equal(t.fill('k1', slot, t.token(slot), entry('new')), true)
    assert.equal(t.get('k1', slot)?.entry.result.toString(), 'new')
  })

  test('method-wide invalidation drops every entry in O(1) and voids older tokens', () => {
    const t = new LocalTier({ maxBytes: 1 << 20, maxFillAgeMs: 10_000 })
    const slot: MethodSlot = { methodId: 'S.count', gen: 0 }
    t.fill('a', slot, t.token(slot), entry('a'))
    const tok = t.token(slot)
    t.invalidateMethod(slot)
    assert.equal(t.get('a', slot), undefined)
    assert.equal(t.fill('b', slot, tok, entry('b')), false)
  })

  test('clear voids every outstanding token', () => {
    const t = new LocalTier({ maxBytes: 1 << 20, maxFillAgeMs: 10_000 })
    const slot: MethodSlot = { methodId: 'S.m', gen: 0 }
    const tok = t.token(slot)
    t.clear()
    assert.equal(t.fill('a', slot, tok, entry('a')), false)
  })

  test('a fill older than maxFillAgeMs is dropped (so pruned invalidation records cannot be missed)', async () => {
    const t = new LocalTier({ maxBytes: 1 << 20, maxFillAgeMs: 5 })
    const slot: MethodSlot = { methodId: 'S.m', gen: 0 }
    const tok = t.token(slot)
    await new Promise((r) => setTimeout(r, 15))
    assert.equal(t.fill('a', slot, tok, entry('a')), false)
  })
})
