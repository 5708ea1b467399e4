// The unique-slot memo: a repeated point lookup skips its RocksDB read, yet the store never
// answers from it what a later commit replaced, even when a read and a commit overlap; bounded
// by bytes; off at 0.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { encodeKey } from '../../proxy/index/key-encoding.js'
import { SlotMemo } from '../../proxy/index/slot-memo.js'
import { IndexStore, type EntityChange, type StoreEntitySpec } from '../../proxy/index/store.js'
import { makeVersion } from '../../proxy/index/version.js'
import { tempDir } from '../support/tmp.js'

const USER: StoreEntitySpec = { name: 'User', pkType: 'i64', indexes: [{ name: 'email', type: 'string', unique: true }] }
const pk = (id: number): Buffer => encodeKey('i64', BigInt(id))
const email = (s: string): Buffer => encodeKey('string', s)
let version = 0
const put = (id: number, mail: string | null): EntityChange => ({
  entity: 'User',
  pk: pk(id),
  values: mail === null ? null : [email(mail)],
  version: makeVersion(1000n, BigInt(++version)),
  kind: 'write',
})
const owner = async (store: IndexStore, mail: string): Promise<Buffer | undefined> => store.lookupUnique('User', 'email', email(mail))

describe('SlotMemo', () => {
  test('remembers a read unless a commit began or ended meanwhile', () => {
    const m = new SlotMemo(1 << 20)
    const t1 = m.readStarts()
    m.remember('a', pk(1), t1)
    assert.deepEqual(m.get('a'), pk(1))
    const t2 = m.readStarts()
    m.commitBegins([Buffer.from('b', 'latin1')])
    m.remember('b', pk(2), t2) // the read began before the commit: may hold the old slot
    assert.equal(m.get('b'), undefined)
    const t3 = m.readStarts()
    m.remember('c', pk(3), t3) // a commit is in flight: it may be about to replace the slot
    assert.equal(m.get('c'), undefined)
    m.commitEnds()
    m.remember('c', pk(3), t3) // the commit ended after the read began
    assert.equal(m.get('c'), undefined)
    m.commitBegins([Buffer.from('a', 'latin1')])
    assert.equal(m.get('a'), undefined, 'a commit writing a slot forgets it')
    m.commitEnds()
  })

  test('is bounded by bytes and off at 0', () => {
    const m = new SlotMemo(2000)
    for (let i = 0; i < 100; i++) m.remember(`slot-${i}`, pk(i), m.readStarts())
    assert.ok(m.size > 0 && m.size < 100, `kept ${m.size}`)
    assert.deepEqual(m.get('slot-99'), pk(99), 'the most recent is kept')
    const off = new SlotMemo(0)
    off.remember('a', pk(1), off.readStarts())
    assert.equal(off.size, 0)
  })
})

describe('IndexStore.lookupUnique with the memo', () => {
  test('follows commits: a changed email, a deleted user, a cleared entity', async () => {
    const store = await IndexStore.open(tempDir('thriftgate-slots-').path, [USER])
    try {
      await store.apply([put(1, 'a@x'), put(2, 'b@x')])
      assert.deepEqual(await owner(store, 'a@x'), pk(1))
      assert.deepEqual(await owner(store, 'a@x'), pk(1)) // from the memo
      await store.apply([put(1, 'c@x')])
      assert.equal(await owner(store, 'a@x'), undefined)
      assert.deepEqual(await owner(store, 'c@x'), pk(1))
      await store.apply([put(3, 'c@x')]) // claimed by another user
      assert.deepEqual(await owner(store, 'c@x'), pk(3))
      await store.apply([put(2, null)])
      assert.equal(await owner(store, 'b@x'), undefined)
      await store.clearEntity('User')
      assert.equal(await owner(store, 'c@x'), undefined)
    } finally {
      await store.close()
    }
  })

  test('a read overlapping a commit never leaves the old owner behind', async () => {
    const store = await IndexStore.open(tempDir('thriftgate-slots-race-').path, [USER])
    try {
      await store.apply([put(1, 'race@x')])
      for (let i = 0; i < 200; i++) {
        const next = i % 2 === 0 ? 2 : 1
        // Start reads before, during and after the commit that hands the email to `next`.
        const reads = [owner(store, 'race@x')]
        const commit = store.apply([put(next, 'race@x')])
        reads.push(owner(store, 'race@x'))
        await commit
        reads.push(owner(store, 'race@x'))
        await Promise.all(reads)
        assert.deepEqual(await owner(store, 'race@x'), pk(next), `round ${i}`)
      }
    } finally {
      await store.close()
    }
  })
})
