// Byte order of encoded keys must equal value order for every indexable type, including tuples
// (value then primary key), because RocksDB ranges and prefix scans rely on memcmp order.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { KeyReader, KeyWriter, decodeKey, encodeKey, prefixEnd, type KeyType, type KeyValue } from '../../proxy/index/key-encoding.js'

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0)

function codePoints(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!)
}
function cmpArrays(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  return sign(a.length - b.length)
}
function cmpValues(type: KeyType, a: KeyValue, b: KeyValue): number {
  switch (type) {
    case 'string':
      return cmpArrays(codePoints(a as string), codePoints(b as string))
    case 'binary':
    case 'uuid':
      return cmpArrays(a as Uint8Array, b as Uint8Array)
    case 'i64':
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0
    case 'bool':
      return sign(Number(a) - Number(b))
    case 'double': {
      // NaN sorts above everything, equal to itself; -0 equals +0.
      const x = a as number
      const y = b as number
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1
      return x < y ? -1 : x > y ? 1 : 0
    }
    default:
      return sign((a as number) - (b as number))
  }
}

const arbs: Record<KeyType, fc.Arbitrary<KeyValue>> = {
  bool: fc.boolean(),
  i8: fc.integer({ min: -128, max: 127 }),
  i16: fc.integer({ min: -32768, max: 32767 }),
  i32: fc.integer({ min: -2147483648, max: 2147483647 }),
  i64: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  double: fc.oneof(fc.double(), fc.constantFrom(0, -0, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MIN_VALUE)),
  string: fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('\u0000', '\u0001', 'a', '\u00ff', '\u{10ffff}') })),
  binary: fc.oneof(fc.uint8Array(), fc.uint8Array({ maxLength: 4 }).map((b) => b.map((x) => [0, 1, 0xff][x % 3]!))),
  uuid: fc.uint8Array({ minLength: 16, maxLength: 16 }),
}

const types = Object.keys(arbs) as KeyType[]

describe('order-preserving key encoding', () => {
  for (const type of types) {
    test(`${type}: byte order equals value order`, () => {
      fc.assert(
        fc.property(arbs[type], arbs[type], (a, b) => {
          assert.equal(sign(Buffer.compare(encodeKey(type, a), encodeKey(type, b))), cmpValues(type, a, b))
        }),
        { numRuns: 2000 },
      )
    })

    test(`${type}: decodes back to the same value`, () => {
      fc.assert(
        fc.property(arbs[type], (a) => {
          const back = decodeKey(type, encodeKey(type, a))
          assert.equal(cmpValues(type, back, a), 0)
        }),
        { numRuns: 500 },
      )
    })

    test(`${type}: tuples (value, i64 key) sort component by component`, () => {
      fc.assert(
        fc.property(arbs[type], arbs.i64, arbs[type], arbs.i64, (a, ka, b, kb) => {
          const ea = new KeyWriter().value(type, a).i64(ka as bigint).finish()
          const eb = new KeyWriter().value(type, b).i64(kb as bigint).finish()
          const want = cmpValues(type, a, b) || cmpValues('i64', ka, kb)
          assert.equal(sign(Buffer.compare(ea, eb)), want)
          const r = new KeyReader(ea)
          r.skip(type)
          assert.equal(r.i64(), ka)
          assert.ok(r.done)
        }),
        { numRuns: 500 },
      )
    })
  }

  test('a string is a prefix of its extensions but sorts before them, also with embedded zeros', () => {
    const keys = ['', '\u0000', '\u0000\u0000', '\u0000a', 'a', 'a\u0000', 'a\u0001', 'ab', 'b'].map((s) => encodeKey('string', s))
    for (let i = 1; i < keys.length; i++) assert.equal(Buffer.compare(keys[i - 1]!, keys[i]!), -1)
  })

  test('-0 and +0 encode the same; NaN sorts above +Infinity', () => {
    assert.deepEqual(encodeKey('double', -0), encodeKey('double', 0))
    assert.equal(Buffer.compare(encodeKey('double', NaN), encodeKey('double', Infinity)), 1)
  })

  test('prefixEnd bounds exactly the keys that start with the prefix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 6 }), (p, rest) => {
        const end = prefixEnd(p)
        const k = Buffer.concat([p, rest])
        if (end) assert.equal(Buffer.compare(k, end), -1)
        else assert.ok(p.every((x) => x === 0xff))
      }),
    )
    assert.equal(prefixEnd(Buffer.from([0xff, 0xff])), undefined)
    assert.deepEqual(prefixEnd(Buffer.from([1, 0xff])), Buffer.from([2]))
  })

  test('bad input is a typed error, not a crash', () => {
    assert.throws(() => encodeKey('uuid', Buffer.alloc(3)), { code: 'TG_ERR_INDEX_UNINDEXABLE' })
    assert.throws(() => encodeKey('i32', 'x'), { code: 'TG_ERR_INDEX_UNINDEXABLE' })
    assert.throws(() => decodeKey('string', Buffer.from([0x61, 0x00, 0x07])), { code: 'TG_ERR_INDEX_BAD_RECORD' })
    assert.throws(() => decodeKey('i64', Buffer.from([1, 2])), { code: 'TG_ERR_INDEX_BAD_RECORD' })
  })
})
