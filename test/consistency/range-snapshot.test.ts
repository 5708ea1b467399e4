// Found by the consistency checker (RELIABILITY.md): a range lookup with a limit in key order reads
// the index with several iterators (one probe per distinct value, then one run per value). Without
// one snapshot for all of them, an entity that moves between two values of the range while they run
// is seen at neither, and the range answer leaves it out.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IndexStore, type EntityChange, type StoreEntitySpec } from '../../proxy/index/store.js'
import { encodeKey } from '../../proxy/index/key-encoding.js'
import { makeVersion } from '../../proxy/index/version.js'
import { tempDir } from '../support/tmp.js'

const USER: StoreEntitySpec = { name: 'User', pkType: 'i64', indexes: [{ name: 'age', type: 'i32' }] }

function put(id: number, age: number, version: number): EntityChange {
  return { entity: 'User', pk: encodeKey('i64', BigInt(id)), values: [encodeKey('i32', age)], version: makeVersion(1000n, BigInt(version)), kind: 'write' }
}

test('a limited range in key order never misses an entity moving inside the range', async () => {
  const dir = tempDir()
  const store = await IndexStore.open(dir.path, [USER])
  try {
    // Many distinct values, so the probe takes a while; the entity hops between the range's ends.
    const others: EntityChange[] = []
    for (let i = 0; i < 200; i++) others.push(put(100 + i, 40 + (i % 50), 1))
    await store.apply([...others, put(1, 20, 2)])
    let version = 3
    let stop = false
    const mover = (async () => {
      while (!stop) await store.apply([put(1, version % 2 === 0 ? 20 : 30, version++)])
    })()
    let missed = 0
    const lo = encodeKey('i32', 20)
    const hi = encodeKey('i32', 100)
    for (let i = 0; i < 300; i++) {
      const got = await store.firstByKey('User', 'age', lo, hi, 1, 1000)
      // Entity 1 has the smallest key and is always inside [20, 100]: it must be the answer.
      if (got?.[0]?.pk.equals(encodeKey('i64', 1n)) !== true) missed++
    }
    stop = true
    await mover
    assert.equal(missed, 0, `entity 1 missing from ${missed} of 300 range reads`)
  } finally {
    await store.close()
    dir.cleanup()
  }
})
