import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { canonicalStruct, canonicalValue } from '../../proxy/codec/canonical.js'
import { canonicalBinaryEnd } from '../../proxy/codec/canonical-check.js'
import { readStruct, writeStruct } from '../../proxy/codec/value-codec.js'
import { TType } from '../../proxy/codec/types.js'
import { tv, type TStructValue } from '../../proxy/codec/value.js'
import { arbStruct, prng, shuffled } from './arbitraries.js'
import { hex, throwsCode } from './hex.js'
import { CodecErrorCode } from '../../proxy/codec/errors.js'

describe('canonical form: golden', () => {
  test('fields sorted by id, set elements and map entries sorted by canonical bytes', () => {
    const s = tv.struct([
      tv.field(3, tv.set(TType.I32, [tv.i32(2), tv.i32(-1), tv.i32(2)])),
      tv.field(1, tv.map(TType.STRING, TType.BOOL, [
        { key: tv.string('b'), value: tv.bool(true) },
        { key: tv.string('a'), value: tv.bool(false) },
      ])),
    ])
    const c = hex(`
      0d 0001 0b 02 00000002  00000001 61 00  00000001 62 01
      0e 0003 08 00000002 00000002 ffffffff
      00`)
    assert.deepEqual(canonicalValue(s), c)
    // The canonical form is itself binary protocol.
    assert.deepEqual(canonicalValue(readStruct(c, 0, 'binary').value), c)
  })
  test('repeated field ids and map keys keep the last; empty containers have no types', () => {
    const s = tv.struct([
      tv.field(1, tv.i8(1)),
      tv.field(2, tv.map(TType.I8, TType.I8, [
        { key: tv.i8(1), value: tv.i8(1) },
        { key: tv.i8(1), value: tv.i8(2) },
      ])),
      tv.field(1, tv.i8(9)),
      tv.field(3, tv.list(TType.I32, [])),
      tv.field(4, tv.map(TType.I32, TType.STRING, [])),
    ])
    assert.deepEqual(canonicalValue(s), hex('03 0001 09  0d 0002 03 03 00000001 01 02  0f 0003 00 00000000  0d 0004 00 00 00000000  00'))
  })
  test('bool normalises across protocols: compact field nibble, compact element byte, binary byte', () => {
    assert.deepEqual(canonicalStruct(hex('02 0001 01 00'), 0, 'binary'), canonicalStruct(hex('11 00'), 0, 'compact'))
    // Compact elements: every reader takes anything but 1 as false.
    assert.deepEqual(canonicalStruct(hex('0f 0001 02 00000002 00 00 00'), 0, 'binary'), canonicalStruct(hex('19 21 02 07 00'), 0, 'compact'))
  })
  test('a binary bool byte other than 0/1 has no canonical form (receivers disagree on it)', () => {
    throwsCode(() => canonicalStruct(hex('02 0001 07 00'), 0, 'binary'), CodecErrorCode.INVALID_DATA)
    throwsCode(() => canonicalStruct(hex('0f 0001 02 00000001 02 00'), 0, 'binary'), CodecErrorCode.INVALID_DATA)
  })
  test('a 2M-element list is canonicalised without a value tree (no per-element objects)', () => {
    const n = 2_000_000
    // compact: field 1 list<i8>, long size header (0xF nibble + varint), then n bytes.
    const head = hex('19 f3 80897a')
    const buf = Buffer.concat([head, Buffer.alloc(n, 7), hex('00')])
    const before = process.memoryUsage().heapUsed
    const c = canonicalStruct(buf, 0, 'compact')
    const grown = process.memoryUsage().heapUsed - before
    assert.equal(c.length, 3 + 5 + n + 1)
    // A tree would hold >= 2M objects (tens of MB on the heap); bytes live outside the JS heap.
    assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${grown} bytes`)
  })
  test('-0.0 and 0.0 stay distinct (a cache miss at worst, never a wrong hit)', () => {
    assert.notDeepEqual(canonicalValue(tv.double(-0)), canonicalValue(tv.double(0)))
  })
})

describe('canonical form: properties', () => {
  test('canonical(binary encoding) == canonical(compact encoding)', () => {
    fc.assert(
      fc.property(arbStruct(3), (s) => {
        const fromBinary = canonicalStruct(writeStruct(s, 'binary'), 0, 'binary')
        const fromCompact = canonicalStruct(writeStruct(s, 'compact'), 0, 'compact')
        assert.deepEqual(fromBinary, fromCompact)
        assert.deepEqual(fromBinary, canonicalValue(s))
      }),
      { numRuns: 200 },
    )
  })
  test('reordered fields, sets and maps give the same canonical bytes, in either protocol', () => {
    fc.assert(
      fc.property(arbStruct(3), fc.integer(), fc.constantFrom('binary' as const, 'compact' as const), (s, seed, p) => {
        const other = shuffled(s, prng(seed)) as TStructValue
        assert.deepEqual(canonicalStruct(writeStruct(other, p), 0, p), canonicalValue(s))
      }),
      { numRuns: 200 },
    )
  })
  test('the fast path (bytes already canonical) agrees with the full path', () => {
    fc.assert(
      fc.property(arbStruct(3), fc.boolean(), (s, canonicalInput) => {
        const bytes = canonicalInput ? canonicalValue(s) : writeStruct(s, 'binary')
        const full = canonicalValue(readStruct(bytes, 0, 'binary').value)
        const end = canonicalBinaryEnd(bytes, 0, 64)
        if (canonicalInput) assert.equal(end, bytes.length)
        else assert.equal(end >= 0, bytes.equals(full))
        assert.deepEqual(canonicalStruct(bytes, 0, 'binary'), full)
      }),
      { numRuns: 200 },
    )
  })
  test('fast path says no to unsorted, repeated, typed-empty and deep input', () => {
    for (const h of [
      '08 0002 00000001 08 0001 00000001 00', // fields out of order
      '08 0001 00000001 08 0001 00000001 00', // repeated id
      '0e 0001 08 00000002 00000002 00000001 00', // set out of order
      '0e 0001 08 00000002 00000001 00000001 00', // set with a duplicate
      '0d 0001 08 08 00000002 00000002 00000000 00000001 00000000 00', // map keys out of order
      '0f 0001 08 00000000 00', // empty list with a type
      '02 0001 02 00', // ambiguous bool
    ]) {
      assert.equal(canonicalBinaryEnd(hex(h), 0, 64), -1, h)
    }
    assert.equal(canonicalBinaryEnd(hex('0c0001 0c0001 00 00 00'), 0, 2), -1)
    assert.equal(canonicalBinaryEnd(hex('0c0001 0c0001 00 00 00'), 0, 3), 9)
  })
  test('canonical form is a fixed point', () => {
    fc.assert(
      fc.property(arbStruct(3), (s) => {
        const c = canonicalValue(s)
        assert.deepEqual(canonicalStruct(c, 0, 'binary'), c)
      }),
      { numRuns: 100 },
    )
  })
})
