// firstByKey (the first N entries of a value range in primary-key order, merged from one run per
// value) against the obvious answer: every entry of the range, sorted by primary key, cut at N.
// Covers the three ways it finds the values: a single value, integer values enumerated (narrow
// ranges), and values probed one after another (strings, wide integer ranges); and maxValues.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { encodeKey, type KeyType } from '../../proxy/index/key-encoding.js'
import { IndexStore, type EntityChange, type IndexEntry } from '../../proxy/index/store.js'
import { makeVersion } from '../../proxy/index/version.js'
import { tempDir } from '../support/tmp.js'

const hex = (es: readonly IndexEntry[]): string[] => es.map((e) => `${e.value.toString('hex')}/${e.pk.toString('hex')}`)

describe('firstByKey equals the whole range sorted by key, cut at the limit', () => {
  let store: IndexStore
  const ages = new Map<number, number>() // id -> age
  before(async () => {
    store = await IndexStore.open(tempDir('thriftgate-fbk-').path, [
      { name: 'User', pkType: 'i64', indexes: [{ name: 'age', type: 'i32' }, { name: 'name', type: 'string' }] },
    ])
    const changes: EntityChange[] = []
    // Ages cluster (many per value, some values missing, negatives) and names repeat.
    for (let id = 1; id <= 600; id++) {
      const age = ((id * 7919) % 90) - 10
      if (age % 9 === 4) continue
      const name = `n${(id * 31) % 40}`
      ages.set(id, age)
      changes.push({ entity: 'User', pk: encodeKey('i64', BigInt(id)), values: [encodeKey('i32', age), encodeKey('string', name)], version: makeVersion(1000n, BigInt(id)), kind: 'write' })
    }
    await store.apply(changes)
  })
  after(() => store.close())

  async function whole(index: string, lo: Buffer, hi: Buffer): Promise<IndexEntry[]> {
    const out: IndexEntry[] = []
    for await (const e of store.scan('User', index, { value: lo, inclusive: true }, { value: hi, inclusive: true })) out.push({ value: Buffer.from(e.value), pk: Buffer.from(e.pk) })
    return out.sort((a, b) => Buffer.compare(a.pk, b.pk))
  }

  const check = async (index: string, type: KeyType, a: number | string, b: number | string, limit: number, maxValues: number): Promise<void> => {
    const lo = encodeKey(type, a)
    const hi = encodeKey(type, b)
    const all = await whole(index, lo, hi)
    const values = new Set(all.map((e) => e.value.toString('hex'))).size
    const got = await store.firstByKey('User', index, lo, hi, limit, maxValues)
    if (values > maxValues) {
      // Probing gives up past maxValues; enumerating never tries more candidates than that.
      assert.ok(got === undefined || hex(got).join() === hex(all.slice(0, limit)).join(), `${index} [${a}, ${b}] limit ${limit}`)
      return
    }
    assert.ok(got !== undefined, `${index} [${a}, ${b}]: ${values} values, maxValues ${maxValues}`)
    assert.deepEqual(hex(got), hex(all.slice(0, limit)), `${index} [${a}, ${b}] limit ${limit}`)
  }

  test('integer ranges: single values, narrow (enumerated) and wide (probed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -15, max: 85 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 120 }), fc.constantFrom(3, 20, 1000), async (lo, width, limit, maxValues) => {
        await check('age', 'i32', lo, lo + (width % 3 === 0 ? 0 : width), limit, maxValues)
      }),
      { numRuns: 120 },
    )
  })

  test('string ranges (always probed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 45 }), fc.integer({ min: 1, max: 80 }), async (a, b, limit) => {
        const [x, y] = a <= b ? [a, b] : [b, a]
        await check('name', 'string', `n${x}`, `n${y}`, limit, 1000)
      }),
      { numRuns: 60 },
    )
  })

  test('an empty range and a range whose values are all missing give no entries', async () => {
    assert.deepEqual(await store.firstByKey('User', 'age', encodeKey('i32', 500), encodeKey('i32', 510), 10, 100), [])
    // No user is 4 or 13 (ages with age % 9 === 4 were left out).
    assert.ok(![...ages.values()].includes(4) && ![...ages.values()].includes(13))
    assert.deepEqual(await store.firstByKey('User', 'age', encodeKey('i32', 4), encodeKey('i32', 4), 10, 100), [])
    assert.deepEqual(await store.firstByKey('User', 'age', encodeKey('i32', 13), encodeKey('i32', 13), 10, 100), [])
  })
})
