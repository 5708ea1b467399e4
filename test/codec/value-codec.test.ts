import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readStruct, readValue, writeStruct, writeValue } from '../../proxy/codec/value-codec.js'
import { skipStruct } from '../../proxy/codec/walker.js'
import { CodecErrorCode } from '../../proxy/codec/errors.js'
import { TType } from '../../proxy/codec/types.js'
import { getField, tv } from '../../proxy/codec/value.js'
import { arbStruct, compactView } from './arbitraries.js'
import { hex, throwsCode } from './hex.js'

const uuid = '00112233445566778899aabbccddeeff'
// The walker's golden struct, with the tree it must decode to (hand-written from the specs).
const expected = tv.struct([
  tv.field(1, tv.i32(5)),
  tv.field(2, tv.string('hi')),
  tv.field(3, tv.list(TType.I16, [tv.i16(1), tv.i16(2)])),
  tv.field(4, tv.bool(true)),
  tv.field(5, tv.bool(false)),
  tv.field(100, tv.i32(7)),
  tv.field(6, tv.map(TType.I32, TType.I32, [])),
  tv.field(7, tv.uuid(hex(uuid))),
  tv.field(8, tv.double(1)),
  tv.field(9, tv.struct([])),
  tv.field(10, tv.i64(-1)),
])
const binaryBytes = hex(`08 0001 00000005  0b 0002 00000002 6869  0f 0003 06 00000002 0001 0002  02 0004 01
  02 0005 00  08 0064 00000007  0d 0006 08 08 00000000  10 0007 ${uuid}  04 0008 3ff0000000000000
  0c 0009 00  0a 000a ffffffffffffffff  00`)
const compactBytes = hex(`15 0a  18 02 6869  19 24 02 04  11  12  05 c801 0e  0b 0c 00  1d ${uuid}
  17 000000000000f03f  1c 00  16 01  00`)

describe('value codec: golden vectors', () => {
  test('binary decodes to the expected tree and encodes back to the same bytes', () => {
    const { value, end } = readStruct(binaryBytes, 0, 'binary')
    assert.equal(end, binaryBytes.length)
    assert.deepEqual(value, expected)
    assert.deepEqual(writeStruct(expected, 'binary'), binaryBytes)
  })
  test('compact decodes to the expected tree (empty map untyped) and encodes back', () => {
    const { value, end } = readStruct(compactBytes, 0, 'compact')
    assert.equal(end, compactBytes.length)
    assert.deepEqual(value, compactView(expected))
    assert.deepEqual(writeStruct(expected, 'compact'), compactBytes)
  })
  test('compact scalars: zigzag, varint, little-endian double, long list header', () => {
    assert.deepEqual(writeValue(tv.i32(-1), 'compact'), hex('01'))
    assert.deepEqual(writeValue(tv.i32(2147483647), 'compact'), hex('feffffff0f'))
    assert.deepEqual(writeValue(tv.i64(-(2n ** 63n)), 'compact'), hex('ffffffffffffffffff01'))
    assert.deepEqual(writeValue(tv.i64(2n ** 53n + 1n), 'compact'), hex('8280808080808020'))
    assert.deepEqual(writeValue(tv.double(-2.5), 'compact'), hex('00000000000004c0'))
    assert.deepEqual(writeValue(tv.double(-2.5), 'binary'), hex('c004000000000000'))
    // bool elements: 1 true, 2 false (Java/C++/Node); bool element type written as 1.
    assert.deepEqual(writeValue(tv.list(TType.BOOL, [tv.bool(true), tv.bool(false)]), 'compact'), hex('21 01 02'))
    const fifteen = tv.list(TType.I8, Array.from({ length: 15 }, (_, i) => tv.i8(i)))
    assert.deepEqual(writeValue(fifteen, 'compact'), hex('f3 0f 000102030405060708090a0b0c0d0e'))
    assert.deepEqual(writeValue(tv.map(TType.STRING, TType.BOOL, [{ key: tv.string('a'), value: tv.bool(true) }]), 'compact'), hex('01 81 0161 01'))
  })
  test('compact field ids: deltas per struct, long form for jumps back and past 15', () => {
    const s = tv.struct([
      tv.field(1, tv.struct([tv.field(3, tv.i8(1))])),
      tv.field(2, tv.i8(2)),
      tv.field(20, tv.i8(3)),
      tv.field(-1, tv.i8(4)),
    ])
    // After the nested struct, the outer last id is 1 again (a stack, not a global).
    const bytes = hex('1c 33 01 00  13 02  03 28 03  03 01 04  00')
    assert.deepEqual(writeStruct(s, 'compact'), bytes)
    assert.deepEqual(readStruct(bytes, 0, 'compact').value, s)
  })
  test('readers normalise bools: compact element byte other than 1 is false, binary non-zero is true', () => {
    assert.deepEqual(readValue(hex('32 01 00 02'), 0, TType.LIST, 'compact').value, tv.list(TType.BOOL, [tv.bool(true), tv.bool(false), tv.bool(false)]))
    assert.deepEqual(readValue(hex('31 01 00 02'), 0, TType.LIST, 'compact').value, tv.list(TType.BOOL, [tv.bool(true), tv.bool(false), tv.bool(false)]))
    assert.deepEqual(readValue(hex('02 00000002 00 07'), 0, TType.LIST, 'binary').value, tv.list(TType.BOOL, [tv.bool(false), tv.bool(true)]))
  })
  test('compact i16 wider than 16 bits is truncated as receivers do', () => {
    assert.deepEqual(readValue(hex('808008'), 0, TType.I16, 'compact').value, tv.i16(0))
  })
  test('getField returns the last of a repeated id', () => {
    const { value } = readStruct(hex('08 0001 00000001 08 0001 00000002 00'), 0, 'binary')
    assert.equal(getField(value, 1)?.value, 2)
  })
})

describe('value codec: doubles keep their bits', () => {
  const patterns = [0x8000000000000000n, 0x7ff8000000000001n, 0xfff4000000000000n, 0x7ff0000000000000n, 1n]
  for (const protocol of ['binary', 'compact'] as const) {
    test(`${protocol}: -0.0 and NaN payloads survive write/read`, () => {
      const s = tv.struct(patterns.map((b, i) => tv.field(i + 1, tv.doubleBits(b))))
      const back = readStruct(writeStruct(s, protocol), 0, protocol).value
      assert.deepEqual(back.value.map((f) => (f.type === TType.DOUBLE ? f.bits : undefined)), patterns)
      assert.ok(Object.is((back.value[0] as { value: number }).value, -0))
    })
  }
})

describe('value codec: properties', () => {
  test('random trees round-trip in both protocols; walker end == decoder end', () => {
    fc.assert(
      fc.property(arbStruct(3), (s) => {
        const b = writeStruct(s, 'binary')
        const rb = readStruct(b, 0, 'binary')
        assert.deepEqual(rb.value, s)
        assert.equal(rb.end, b.length)
        assert.equal(skipStruct(b, 0, 'binary'), b.length)
        const c = writeStruct(s, 'compact')
        const rc = readStruct(c, 0, 'compact')
        assert.deepEqual(rc.value, compactView(s))
        assert.equal(rc.end, c.length)
        assert.equal(skipStruct(c, 0, 'compact'), c.length)
        // Re-encoding what was read reproduces the bytes exactly.
        assert.deepEqual(writeStruct(rb.value, 'binary'), b)
        assert.deepEqual(writeStruct(rc.value, 'compact'), c)
      }),
      { numRuns: 300 },
    )
  })
})

describe('value codec: errors', () => {
  test('element type mismatch is BAD_TYPE, bad uuid length INVALID_DATA', () => {
    throwsCode(() => writeValue(tv.list(TType.I32, [tv.i64(1)]), 'binary'), CodecErrorCode.BAD_TYPE)
    throwsCode(() => writeValue(tv.map(TType.I32, TType.I32, [{ key: tv.i32(1), value: tv.bool(true) }]), 'compact'), CodecErrorCode.BAD_TYPE)
    throwsCode(() => writeValue(tv.uuid(Buffer.alloc(15)), 'compact'), CodecErrorCode.INVALID_DATA)
    throwsCode(() => writeValue({ type: 1 } as never, 'binary'), CodecErrorCode.BAD_TYPE)
  })
  test('limits.maxDepth applies to readStruct', () => {
    const nested = hex('0c0001 0c0001 00 00 00')
    assert.equal(readStruct(nested, 0, 'binary', { maxDepth: 3 }).end, nested.length)
    throwsCode(() => readStruct(nested, 0, 'binary', { maxDepth: 2 }), CodecErrorCode.DEPTH_LIMIT)
  })
  test('huge container sizes fail before allocation', () => {
    throwsCode(() => readStruct(hex('0f 0001 0c 7fffffff 00 00'), 0, 'binary'), CodecErrorCode.SIZE_LIMIT)
    throwsCode(() => readStruct(hex('1b ffffffff07 cc 00 00'), 0, 'compact'), CodecErrorCode.SIZE_LIMIT)
  })
})
