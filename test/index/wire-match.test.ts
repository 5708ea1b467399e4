// The fast paths a range answer takes per entity, against the generic paths they replace (property
// tests): wireMatches (wire bytes vs an encoded key component) against decode-then-encode; holds
// (one walk of the entity) against extracting each field; getArgsKey against the canonical writer
// the cache keys calls with.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { TType, canonicalValue, extractField, tv, writeStruct, writeValue, type TField, type TStructValue, type TValue } from '../../proxy/codec/index.js'
import { getArgs, getArgsKey } from '../../proxy/index/entity-args.js'
import type { EntityModel } from '../../proxy/index/entity-model.js'
import { holds } from '../../proxy/index/entity-results.js'
import type { KeyType } from '../../proxy/index/key-encoding.js'
import { encodeValue } from '../../proxy/index/values.js'
import { wireMatches } from '../../proxy/index/wire-match.js'

const arbOf: Record<KeyType, fc.Arbitrary<TValue>> = {
  bool: fc.boolean().map(tv.bool),
  i8: fc.integer({ min: -128, max: 127 }).map(tv.i8),
  i16: fc.integer({ min: -32768, max: 32767 }).map(tv.i16),
  i32: fc.integer({ min: -2147483648, max: 2147483647 }).map(tv.i32),
  i64: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(tv.i64),
  double: fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity)).map(tv.double),
  string: fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('\u0000', '\u0001', 'a', '\u00ff') })).map(tv.string),
  binary: fc.uint8Array({ maxLength: 12 }).map((b) => tv.binary(Buffer.from(b.map((x) => [0, 1, 0xff, x][x % 4]!)))),
  uuid: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => tv.uuid(Buffer.from(b))),
}
const KEY_TYPES = Object.keys(arbOf) as KeyType[]
const anyScalar = fc.oneof(...KEY_TYPES.map((t) => arbOf[t]))

/** The oracle: decode the wire value and encode it as a key component. */
function oracle(v: TValue, type: KeyType, component: Buffer): boolean {
  return encodeValue(type, v)?.equals(component) === true
}

describe('wireMatches agrees with decode-then-encode', () => {
  for (const type of KEY_TYPES) {
    test(type, () => {
      fc.assert(
        fc.property(anyScalar, arbOf[type], fc.boolean(), (v, w, same) => {
          const component = encodeValue(type, same && v.type === w.type ? v : w)
          if (component === undefined) return
          const wire = writeValue(v, 'binary')
          assert.equal(wireMatches(wire, 0, v.type, type, component), oracle(v, type, component))
          // Cut short: never a match, never a throw.
          if (wire.length > 0) assert.equal(wireMatches(wire.subarray(0, wire.length - 1), 0, v.type, type, component), false)
        }),
        { numRuns: 1500 },
      )
    })
  }
})

describe('holds agrees with extracting each field', () => {
  const model = (keyType: KeyType): EntityModel => ({ keyFieldId: 1, keyType }) as unknown as EntityModel
  const anyEntity: fc.Arbitrary<TStructValue> = fc
    .array(fc.tuple(fc.constantFrom(1, 1, 2, 3, 3, 4), anyScalar), { maxLength: 8 })
    .map((fs) => tv.struct(fs.map(([id, v]): TField => tv.field(id, v))))
  for (const [keyType, indexType] of [
    ['i64', 'string'],
    ['i32', 'i32'],
    ['string', 'i16'],
    ['uuid', 'double'],
  ] as Array<[KeyType, KeyType]>) {
    test(`key ${keyType}, index ${indexType}`, () => {
      fc.assert(
        fc.property(anyEntity, arbOf[keyType], arbOf[indexType], fc.boolean(), (entity, k, x, fromEntity) => {
          const result = writeStruct(tv.struct([tv.field(0, entity)]), 'binary')
          // Half the time ask for exactly what the entity holds, so matches are common.
          const kv = fromEntity ? (extractField(result, 0, 'binary', [0, 1]) ?? k) : k
          const xv = fromEntity ? (extractField(result, 0, 'binary', [0, 3]) ?? x) : x
          const pk = encodeValue(keyType, kv)
          const value = encodeValue(indexType, xv)
          if (pk === undefined || value === undefined) return
          const want = oracle(extractField(result, 0, 'binary', [0, 1]) ?? tv.bool(false), keyType, pk) && oracle(extractField(result, 0, 'binary', [0, 3]) ?? tv.bool(false), indexType, value)
          const m = model(keyType)
          assert.equal(holds(m, result, pk, 3, indexType, value), want && extractField(result, 0, 'binary', [0, 1]) !== undefined && extractField(result, 0, 'binary', [0, 3]) !== undefined)
        }),
        { numRuns: 1500 },
      )
    })
  }

  test('a result that is not {0: struct}, or is cut short, does not hold', () => {
    const m = model('i64')
    const pk = encodeValue('i64', tv.i64(7n))!
    const value = encodeValue('string', tv.string('a'))!
    const good = writeStruct(tv.struct([tv.field(0, tv.struct([tv.field(1, tv.i64(7n)), tv.field(3, tv.string('a'))]))]), 'binary')
    assert.equal(holds(m, good, pk, 3, 'string', value), true)
    for (let cut = 0; cut < good.length - 1; cut++) assert.equal(holds(m, good.subarray(0, cut), pk, 3, 'string', value), false, `cut at ${cut}`)
    const exception = writeStruct(tv.struct([tv.field(1, tv.struct([tv.field(1, tv.i64(7n)), tv.field(3, tv.string('a'))]))]), 'binary')
    assert.equal(holds(m, exception, pk, 3, 'string', value), false)
  })
})

describe('getArgsKey is the canonical args struct the cache keys a get by', () => {
  for (const type of KEY_TYPES) {
    test(type, () => {
      const m = { keyType: type, get: { method: 'get', argId: 3 } } as unknown as EntityModel
      fc.assert(
        fc.property(arbOf[type], (v) => {
          const pk = encodeValue(type, v)
          if (pk === undefined) return
          assert.deepEqual(getArgsKey(m, pk), canonicalValue({ type: TType.STRUCT, value: getArgs(m, pk) }))
        }),
        { numRuns: 500 },
      )
    })
  }
})
