import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { ByteLru } from '../../proxy/cache/lru.js'

describe('ByteLru', () => {
  test('evicts least recently used first when over the byte bound', () => {
    const evicted: string[] = []
    const lru = new ByteLru<string, number>(100, (k) => evicted.push(k))
    lru.set('a', 1, 40)
    lru.set('b', 2, 40)
    assert.equal(lru.get('a'), 1) // a is now most recent
    lru.set('c', 3, 40)
    assert.deepEqual(evicted, ['b'])
    assert.equal(lru.bytes, 80)
    assert.equal(lru.stats().evictions, 1)
  })

  test('an entry larger than the bound is refused and drops the old value', () => {
    const lru = new ByteLru<string, number>(10)
    lru.set('a', 1, 5)
    assert.equal(lru.set('a', 2, 11), false)
    assert.equal(lru.has('a'), false)
    assert.equal(lru.bytes, 0)
  })

  test('byte bound holds under random churn (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 300 }), fc.boolean()), { maxLength: 300 }), (ops) => {
        const lru = new ByteLru<number, number>(1000)
        const sizes = new Map<number, number>()
        for (const [k, size, del] of ops) {
          if (del) {
            lru.delete(k)
          } else {
            lru.set(k, k, size)
            lru.resize(k, size + 1)
          }
          assert.ok(lru.bytes <= 1000)
        }
        let sum = 0
        for (const k of lru.keys()) {
          sizes.set(k, 1)
          sum++
        }
        assert.equal(sum, lru.size)
      }),
    )
  })

  test('matches a reference LRU (eviction order, bytes, recency by get) under random operations (property)', () => {
    // Reference: recency as an array, least recent first.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('get', 'set', 'delete', 'resize', 'peek'), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 120 })), { maxLength: 400 }),
        (ops) => {
          const evicted: number[] = []
          const lru = new ByteLru<number, number>(300, (k) => evicted.push(k))
          let order: { k: number; bytes: number }[] = []
          const refEvicted: number[] = []
          const shrink = (): void => {
            let sum = order.reduce((n, e) => n + e.bytes, 0)
            while (sum > 300) {
              const e = order.shift() as { k: number; bytes: number }
              refEvicted.push(e.k)
              sum -= e.bytes
            }
          }
          for (const [op, k, bytes] of ops) {
            const i = order.findIndex((e) => e.k === k)
            if (op === 'get') {
              assert.equal(lru.get(k), i < 0 ? undefined : k)
              if (i >= 0) order.push(...order.splice(i, 1))
            } else if (op === 'peek') {
              assert.equal(lru.peek(k), i < 0 ? undefined : k)
            } else if (op === 'delete') {
              assert.equal(lru.delete(k), i >= 0)
              if (i >= 0) order.splice(i, 1)
            } else if (op === 'set') {
              lru.set(k, k, bytes)
              if (i >= 0) order.splice(i, 1)
              order.push({ k, bytes })
              shrink()
            } else {
              lru.resize(k, bytes)
              if (i >= 0) (order[i] as { bytes: number }).bytes = bytes
              shrink()
            }
            assert.deepEqual([...lru.keys()], order.map((e) => e.k))
            assert.equal(lru.bytes, order.reduce((n, e) => n + e.bytes, 0))
            assert.equal(lru.size, order.length)
          }
          assert.deepEqual(evicted, refEvicted)
          assert.equal(lru.stats().evictions, refEvicted.length)
        },
      ),
    )
  })

  test('clear empties it and it keeps working after', () => {
    const lru = new ByteLru<string, number>(100)
    lru.set('a', 1, 10)
    lru.set('b', 2, 10)
    lru.clear()
    assert.equal(lru.size, 0)
    assert.equal(lru.bytes, 0)
    assert.deepEqual([...lru.keys()], [])
    lru.set('c', 3, 60)
    lru.set('d', 4, 60)
    assert.deepEqual([...lru.keys()], ['d'])
  })
})
