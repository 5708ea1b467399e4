import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeEntry, encodeEntry, type StoredEntry } from '../../proxy/cache/entry.js'
import { ownedCopy } from '../../proxy/cache/entry-bytes.js'

describe('ownedCopy (cached result bytes)', () => {
  test('copies the range and shares memory with neither the source nor the shared Buffer pool', () => {
    const src = Buffer.from('..hello world..')
    const pooled = Buffer.from('x') // Node's shared pool slab
    const a = ownedCopy(src, 2, 13)
    assert.equal(a.toString(), 'hello world')
    assert.notEqual(a.buffer, src.buffer)
    assert.notEqual(a.buffer, pooled.buffer)
    src.fill(0)
    assert.equal(a.toString(), 'hello world')
  })

  test('small copies share slabs only with each other; large ones get memory of their own size', () => {
    const a = ownedCopy(Buffer.alloc(10, 1))
    const b = ownedCopy(Buffer.alloc(10, 2))
    assert.equal(a.buffer, b.buffer)
    assert.deepEqual([...a], new Array(10).fill(1)) // b did not overwrite a
    const big = ownedCopy(Buffer.alloc(100_000, 3))
    assert.equal(big.buffer.byteLength, 100_000)
  })

  test('keeps copying correctly across slab boundaries', () => {
    const copies: Buffer[] = []
    for (let i = 0; i < 2_000; i++) copies.push(ownedCopy(Buffer.alloc(1 + (i % 300), i % 256)))
    copies.forEach((c, i) => {
      assert.equal(c.length, 1 + (i % 300))
      assert.ok(c.every((x) => x === i % 256))
    })
  })

  test('a decoded entry does not alias the Redis value it came from', () => {
    const e: StoredEntry = { kind: 'value', storedAt: 1, freshUntil: 2, graceUntil: 3, keepUntil: 4, result: Buffer.from([12, 0, 0, 0]) }
    const raw = encodeEntry(e, '7')
    const d = decodeEntry(raw)
    raw.fill(0xee)
    assert.deepEqual([...d.entry.result], [12, 0, 0, 0])
    assert.equal(d.gen, '7')
  })
})
