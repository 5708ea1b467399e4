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
})
