// The RocksDB store on real temp directories: atomic updates through reverse records, version
// ordering (a slow read never overwrites a newer write), tombstones, ranges, restart, lock/corruption.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../support/tmp.js'
import { IndexStore, type EntityChange, type StoreEntitySpec } from '../../proxy/index/store.js'
import { encodeKey } from '../../proxy/index/key-encoding.js'
import { makeVersion } from '../../proxy/index/version.js'

const USER: StoreEntitySpec = {
  name: 'User',
  pkType: 'i64',
  indexes: [
    { name: 'email', type: 'string' },
    { name: 'age', type: 'i32' },
  ],
}
const pk = (id: number): Buffer => encodeKey('i64', BigInt(id))
const v = (n: number): Buffer => makeVersion(1000n, BigInt(n))
function put(id: number, email: string | null, age: number | null, version: number, kind: 'write' | 'observe' = 'write'): EntityChange {
  return {
    entity: 'User',
    pk: pk(id),
    values: [email === null ? null : encodeKey('string', email), age === null ? null : encodeKey('i32', age)],
    version: v(version),
    kind,
  }
}
const del = (id: number, version: number, kind: 'write' | 'observe' = 'write'): EntityChange => ({ entity: 'User', pk: pk(id), values: null, version: v(version), kind })
const ids = (pks: Buffer[]): bigint[] => pks.map((p) => p.readBigUInt64BE(0) ^ (1n << 63n))

async function ages(store: IndexStore, lo?: number, hi?: number): Promise<Array<[number, bigint]>> {
  const out: Array<[number, bigint]> = []
  for await (const e of store.scan(
    'User',
    'age',
    lo === undefined ? undefined : { value: encodeKey('i32', lo), inclusive: true },
    hi === undefined ? undefined : { value: encodeKey('i32', hi), inclusive: true },
  )) {
    out.push([(e.value.readUInt32BE(0) ^ 0x80000000) | 0, ids([e.pk])[0]!])
  }
  return out
}

describe('IndexStore', () => {
  test('an update replaces the old entries in the same batch; lookups see only the new value', async () => {
    const dir = tempDir()
    const store = await IndexStore.open(dir.path, [USER])
    await store.apply([put(1, 'a@x', 30, 1), put(2, 'b@x', 40, 2)])
    assert.deepEqual(ids(await store.lookupEq('User', 'email', encodeKey('string', 'a@x'))), [1n])
    const [r] = await store.apply([put(1, 'c@x', 31, 3)])
    assert.equal(r!.applied, true)
    assert.deepEqual(r!.previous!.values[0], encodeKey('string', 'a@x'))
    assert.deepEqual(await store.lookupEq('User', 'email', encodeKey('string', 'a@x')), [])
    assert.deepEqual(ids(await store.lookupEq('User', 'email', encodeKey('string', 'c@x'))), [1n])
    assert.deepEqual(await ages(store), [[31, 1n], [40, 2n]])
    assert.deepEqual(store.counts('User'), { live: 2, entries: { email: 2, age: 2 } })
    await store.close()
  })

  test('versions: an older write or a read sent before a newer write changes nothing', async () => {
    const dir = tempDir()
    const store = await IndexStore.open(dir.path, [USER])
    await store.apply([put(1, 'new@x', 30, 5)])
    const [older, slowRead, laterRead] = await store.apply([put(1, 'old@x', 30, 4), put(1, 'stale@x', 30, 4, 'observe'), put(1, 'seen@x', 30, 5, 'observe')])
    assert.equal(older!.applied, false)
    assert.equal(slowRead!.applied, false)
    assert.equal(laterRead!.applied, true)
    assert.deepEqual(ids(await store.lookupEq('User', 'email', encodeKey('string', 'seen@x'))), [1n])
    assert.deepEqual(await store.lookupEq('User', 'email', encodeKey('string', 'old@x')), [])
    await store.close()
  })

  test('a delete leaves a tombstone so a backfill page read earlier cannot resurrect the entity', async () => {
    const dir = tempDir()
    const store = await IndexStore.open(dir.path, [USER])
    await store.apply([put(7, 'g@x', 20, 1)])
    await store.apply([del(7, 3)])
    assert.deepEqual(await store.lookupEq('User', 'email', encodeKey('string', 'g@x')), [])
    const [page] = await store.apply([put(7, 'g@x', 20, 2, 'observe')])
    assert.equal(page!.applied, false)
    assert.equal((await store.getRecord('User', pk(7)))!.deleted, true)
    assert.deepEqual(store.counts('User'), { live: 0, entries: { email: 0, age: 0 } })
    await store.close()
  })

  test('backfill pages above every record skip their read; a write that passed meanwhile is still read and kept', async () => {
    const dir = tempDir()
    let store = await IndexStore.open(dir.path, [USER])
    const page = (from: number | undefined, to: number, version: number, ...ids: number[]) =>
      store.apply(
        ids.map((id) => put(id, `p${id}@x`, 20, version, 'observe')),
        [],
        { entity: 'User', from: from === undefined ? undefined : pk(from), to: pk(to), asOf: v(version), reconcile: true },
      )
    await page(undefined, 3, 1, 1, 2, 3)
    await page(3, 6, 1, 4, 5, 6)
    assert.deepEqual(store.io, { pageReads: 0, pageReadsSkipped: 2 })
    // Writes pass through ahead of the cursor: a newer record for 8, a tombstone for 9.
    await store.apply([put(8, 'w8@x', 50, 5), del(9, 5)])
    const results = await page(6, 10, 2, 7, 8, 9, 10)
    assert.deepEqual(store.io, { pageReads: 1, pageReadsSkipped: 2 })
    assert.deepEqual(results.map((r) => r.applied), [true, false, false, true], 'the page read before the writes does not undo them')
    assert.deepEqual(ids(await store.lookupEq('User', 'email', encodeKey('string', 'w8@x'))), [8n])
    assert.deepEqual(await store.lookupEq('User', 'email', encodeKey('string', 'p9@x')), [])
    assert.equal(store.counts('User').live, 9)
    // After a restart the bound comes from disk: a page above it skips, one below it reads.
    await store.close()
    store = await IndexStore.open(dir.path, [USER])
    await page(10, 12, 6, 11, 12)
    await page(undefined, 2, 6, 1, 2)
    assert.deepEqual(store.io, { pageReads: 1, pageReadsSkipped: 1 })
    // A page that reads reconciles: 3 is in its range but missing from it, so the upstream deleted it.
    await page(2, 4, 7, 4)
    assert.deepEqual(await store.lookupEq('User', 'email', encodeKey('string', 'p3@x')), [])
    assert.equal((await store.getRecord('User', pk(3)))!.deleted, true)
    // Cleared: nothing to read again.
    await store.clearEntity('User')
    await page(undefined, 1, 8, 1)
    assert.deepEqual(store.io, { pageReads: 2, pageReadsSkipped: 2 })
    await store.close()
  })

  test('ranges: inclusive and exclusive bounds, negative values, unset fields have no entry', async () => {
    const dir = tempDir()
    const store = await IndexStore.open(dir.path, [USER])
    await store.apply([put(1, 'a', -5, 1), put(2, 'b', 0, 1), put(3, 'c', 10, 1), put(4, 'd', 10, 1), put(5, 'e', null, 1), put(6, null, 99, 1)])
    assert.deepEqual(await ages(store, 0, 10), [[0, 2n], [10, 3n], [10, 4n]])
    assert.deepEqual(await ages(store, -10, -1), [[-5, 1n]])
    const excl: number[] = []
    for await (const e of store.scan('User', 'age', { value: encodeKey('i32', 0), inclusive: false }, { value: encodeKey('i32', 99), inclusive: false })) {
      excl.push(ids([e.pk])[0]! > 0n ? Number(ids([e.pk])[0]) : -1)
    }
    assert.deepEqual(excl, [3, 4])
    assert.deepEqual(await store.lookupEq('User', 'email', encodeKey('string', '')), [])
    await store.close()
  })

  test('state, clock and entries survive a restart; a changed index config clears the entity', async () => {
    const dir = tempDir()
    let store = await IndexStore.open(dir.path, [USER])
    const ver = store.clock.next()
    await store.apply([{ ...put(1, 'a', 1, 0), version: ver }], [store.statePut('User', { ...store.state('User'), authoritative: true, reason: '' })])
    await store.close()
    await store.close()
    store = await IndexStore.open(dir.path, [USER])
    assert.equal(store.state('User').authoritative, true)
    assert.deepEqual(store.clock.current, ver)
    assert.deepEqual(ids(await store.lookupEq('User', 'email', encodeKey('string', 'a'))), [1n])
    await store.close()
    store = await IndexStore.open(dir.path, [{ ...USER, indexes: [{ name: 'email', type: 'string' }] }])
    assert.equal(store.state('User').authoritative, false)
    assert.deepEqual(await store.lookupEq('User', 'email', encodeKey('string', 'a')), [])
    await store.close()
  })

  test('a locked directory and a corrupt directory are typed errors', async () => {
    const dir = tempDir()
    const store = await IndexStore.open(dir.path, [USER])
    await assert.rejects(IndexStore.open(dir.path, [USER]), { code: 'TG_ERR_INDEX_LOCKED' })
    await store.close()
    const bad = tempDir()
    writeFileSync(join(bad.path, 'CURRENT'), 'garbage\n')
    await assert.rejects(IndexStore.open(bad.path, [USER]), { code: 'TG_ERR_INDEX_CORRUPT' })
    await assert.rejects(store.apply([put(1, 'a', 1, 1)]), { code: 'TG_ERR_INDEX_CLOSED' })
  })

  test('unique slots follow the last claimant; a released value is a miss', async () => {
    const dir = tempDir()
    const spec: StoreEntitySpec = { ...USER, indexes: [{ name: 'email', type: 'string', unique: true }, { name: 'age', type: 'i32' }] }
    const store = await IndexStore.open(dir.path, [spec])
    const slot = async (e: string): Promise<bigint | undefined> => {
      const p = await store.lookupUnique('User', 'email', encodeKey('string', e))
      return p === undefined ? undefined : ids([p])[0]
    }
    await store.apply([put(1, 'a@x', 1, 1), put(2, 'b@x', 2, 2)])
    assert.equal(await slot('a@x'), 1n)
    await store.apply([put(1, 'c@x', 1, 3)])
    assert.equal(await slot('a@x'), undefined)
    assert.equal(await slot('c@x'), 1n)
    await store.apply([put(2, 'c@x', 2, 4)]) // a duplicate claim: the slot names the last claimant
    assert.equal(await slot('c@x'), 2n)
    assert.equal((await store.lookupEq('User', 'email', encodeKey('string', 'c@x'))).length, 2)
    await store.apply([del(2, 5)])
    assert.equal(await slot('c@x'), undefined)
    await store.apply([put(1, 'c@x', 1, 6, 'observe')]) // re-learning repairs it
    assert.equal(await slot('c@x'), 1n)
    await assert.rejects(store.lookupUnique('User', 'age', encodeKey('i32', 1)), { code: 'TG_ERR_INDEX_CONFIG' })
    await store.close()
  })

  test('many concurrent applies are group-committed in order', async () => {
    const dir = tempDir()
    const store = await IndexStore.open(dir.path, [USER])
    const all = []
    for (let i = 1; i <= 2000; i++) all.push(store.apply([put(i % 50, `u${i}@x`, i % 90, i)]))
    await Promise.all(all)
    assert.equal(store.counts('User').live, 50)
    assert.equal(store.counts('User').entries.email, 50)
    assert.deepEqual(ids(await store.lookupEq('User', 'email', encodeKey('string', 'u2000@x'))), [0n])
    assert.ok((await store.bytesOnDisk()) > 0)
    await store.close()
  })
})
