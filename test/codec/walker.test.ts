import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { skipStruct, skipValue } from '../../proxy/codec/walker.js'
import { CodecErrorCode } from '../../proxy/codec/errors.js'
import { TType, type Protocol } from '../../proxy/codec/types.js'
import { hex, throwsCode } from './hex.js'

// {1: i32 5, 2: string "hi", 3: list<i16> [1, 2], 4: bool true, 5: bool false, 100: i32 7,
//  6: map<i32,i32> {}, 7: uuid, 8: double 1.0, 9: struct {}, 10: i64 -1} in each protocol, from the specs.
const uuid = '00112233445566778899aabbccddeeff'
const binaryStruct = hex(`
  08 0001 00000005
  0b 0002 00000002 6869
  0f 0003 06 00000002 0001 0002
  02 0004 01
  02 0005 00
  08 0064 00000007
  0d 0006 08 08 00000000
  10 0007 ${uuid}
  04 0008 3ff0000000000000
  0c 0009 00
  0a 000a ffffffffffffffff
  00`)
const compactStruct = hex(`
  15 0a
  18 02 6869
  19 24 02 04
  11
  12
  05 c801 0e
  0b 0c 00
  1d ${uuid}
  17 000000000000f03f
  1c 00
  16 01
  00`)

describe('walker: golden structs', () => {
  for (const [protocol, buf] of [['binary', binaryStruct], ['compact', compactStruct]] as const) {
    test(`${protocol}: skipStruct ends after STOP, at any offset`, () => {
      assert.equal(skipStruct(buf, 0, protocol), buf.length)
      const padded = Buffer.concat([hex('aaaa'), buf, hex('bbbb')])
      assert.equal(skipStruct(padded, 2, protocol), 2 + buf.length)
    })
    test(`${protocol}: every strict prefix is TRUNCATED or SIZE_LIMIT, never anything else`, () => {
      for (let n = 0; n < buf.length; n++) {
        assert.throws(
          () => skipStruct(buf.subarray(0, n), 0, protocol),
          (e: { code?: string }) => e.code === CodecErrorCode.TRUNCATED || e.code === CodecErrorCode.SIZE_LIMIT,
        )
      }
    })
  }

  test('skipValue on single values', () => {
    assert.equal(skipValue(hex('00000002 6869'), 0, TType.STRING, 'binary'), 6)
    assert.equal(skipValue(hex('02 6869'), 0, TType.STRING, 'compact'), 3)
    // A compact bool outside a field header is one byte (container-element form).
    assert.equal(skipValue(hex('01'), 0, TType.BOOL, 'compact'), 1)
    assert.equal(skipValue(hex('ffffffffffffffffff01'), 0, TType.I64, 'compact'), 10)
    assert.equal(skipValue(hex('f5 0f' + '00'.repeat(15)), 0, TType.LIST, 'compact'), 17)
    assert.equal(skipValue(hex("01 88 01 61 01 62"), 0, TType.MAP, 'compact'), 6)
    assert.equal(skipValue(hex('0b 02 00000001 00000001 61 01'), 0, TType.MAP, 'binary'), 12)
  })
})

function nestedStructs(protocol: Protocol, levels: number): Buffer {
  // Field 1 of type struct, nested `levels` deep (the outer struct counts as one level).
  const open = protocol === 'binary' ? '0c0001' : '1c'
  return hex(open.repeat(levels - 1) + '00'.repeat(levels))
}

function nestedLists(protocol: Protocol, levels: number): Buffer {
  // A struct whose field 1 is list<list<...<i32>>> with one element per level, empty at the bottom.
  if (protocol === 'binary') return hex('0f0001' + '0f00000001'.repeat(levels - 1) + '0800000000' + '00')
  return hex('19' + '19'.repeat(levels - 1) + '05' + '00')
}

describe('walker: bad input', () => {
  for (const protocol of ['binary', 'compact'] as const) {
    test(`${protocol}: depth limit counts structs and containers`, () => {
      assert.equal(skipStruct(nestedStructs(protocol, 64), 0, protocol), nestedStructs(protocol, 64).length)
      throwsCode(() => skipStruct(nestedStructs(protocol, 65), 0, protocol), CodecErrorCode.DEPTH_LIMIT)
      throwsCode(() => skipStruct(nestedStructs(protocol, 5), 0, protocol, 4), CodecErrorCode.DEPTH_LIMIT)
      // struct + 63 lists = 64 levels; one more list is too deep.
      assert.equal(skipStruct(nestedLists(protocol, 63), 0, protocol), nestedLists(protocol, 63).length)
      throwsCode(() => skipStruct(nestedLists(protocol, 64), 0, protocol), CodecErrorCode.DEPTH_LIMIT)
      // Far deeper than the JS stack could take without the limit.
      throwsCode(() => skipStruct(nestedStructs(protocol, 100_000), 0, protocol), CodecErrorCode.DEPTH_LIMIT)
    })
  }

  test('a list of 2^31-1 elements in a 20-byte message fails fast with SIZE_LIMIT', () => {
    throwsCode(() => skipStruct(hex('0f 0001 0c 7fffffff 00 00000000 000000 00'), 0, 'binary'), CodecErrorCode.SIZE_LIMIT)
    throwsCode(() => skipStruct(hex('19 fc ffffffff07 00 00'), 0, 'compact'), CodecErrorCode.SIZE_LIMIT)
    throwsCode(() => skipStruct(hex('1b ffffffff07 cc 00 00'), 0, 'compact'), CodecErrorCode.SIZE_LIMIT)
    throwsCode(() => skipStruct(hex('0d 0001 0c0c 7fffffff 00 00'), 0, 'binary'), CodecErrorCode.SIZE_LIMIT)
    // Fixed-width elements take the arithmetic fast path: still checked first.
    throwsCode(() => skipStruct(hex('0f 0001 0a 10000000 00'), 0, 'binary'), CodecErrorCode.SIZE_LIMIT)
    throwsCode(() => skipStruct(hex('0b 0001 7fffffff 00'), 0, 'binary'), CodecErrorCode.SIZE_LIMIT)
  })

  test('negative sizes and lengths', () => {
    throwsCode(() => skipStruct(hex('0f 0001 08 ffffffff 00'), 0, 'binary'), CodecErrorCode.NEGATIVE_SIZE)
    throwsCode(() => skipStruct(hex('0b 0001 80000000 00'), 0, 'binary'), CodecErrorCode.NEGATIVE_SIZE)
    throwsCode(() => skipStruct(hex('18 ffffffff0f 00'), 0, 'compact'), CodecErrorCode.NEGATIVE_SIZE)
    throwsCode(() => skipStruct(hex('1b ffffffff0f 55 00'), 0, 'compact'), CodecErrorCode.NEGATIVE_SIZE)
  })

  test('unknown type codes', () => {
    for (const t of ['01', '05', '07', '09', '11', 'ff']) {
      throwsCode(() => skipStruct(hex(`${t} 0001 00000000 00`), 0, 'binary'), CodecErrorCode.BAD_TYPE)
    }
    throwsCode(() => skipStruct(hex('1e 00'), 0, 'compact'), CodecErrorCode.BAD_TYPE)
    throwsCode(() => skipStruct(hex('19 1e 00 00'), 0, 'compact'), CodecErrorCode.BAD_TYPE)
    throwsCode(() => skipStruct(hex('0f 0001 01 00000001 00'), 0, 'binary'), CodecErrorCode.BAD_TYPE)
    throwsCode(() => skipValue(hex('00'), 0, 1 as TType, 'binary'), CodecErrorCode.BAD_TYPE)
    throwsCode(() => skipValue(hex('00'), 0, 300 as TType, 'binary'), CodecErrorCode.BAD_TYPE)
    throwsCode(() => skipValue(hex('00'), 0, -1 as TType, 'compact'), CodecErrorCode.BAD_TYPE)
  })

  test('empty containers may name STOP as element type (compact writes 0x00 for empty lists)', () => {
    assert.equal(skipStruct(hex('19 00 00'), 0, 'compact'), 3)
    assert.equal(skipStruct(hex('0f 0001 00 00000000 00'), 0, 'binary'), 9)
    throwsCode(() => skipStruct(hex('19 10 00 00'), 0, 'compact'), CodecErrorCode.BAD_TYPE)
  })

  test('over-long varints are INVALID_DATA', () => {
    throwsCode(() => skipStruct(hex('15 8080808080 01 00'), 0, 'compact'), CodecErrorCode.INVALID_DATA)
    throwsCode(() => skipStruct(hex('16 80808080808080808080 01 00'), 0, 'compact'), CodecErrorCode.INVALID_DATA)
  })

  test('missing STOP is TRUNCATED', () => {
    throwsCode(() => skipStruct(hex('08 0001 00000001'), 0, 'binary'), CodecErrorCode.TRUNCATED)
    throwsCode(() => skipStruct(hex('15 02'), 0, 'compact'), CodecErrorCode.TRUNCATED)
  })
})
