import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { canonicalStruct, doubleToBits, TType, writeStruct, type TField } from '../../proxy/codec/index.js'
import { alreadyCanonical } from '../../proxy/cache/keys.js'

const scalar = fc.oneof(
  fc.integer({ min: -128, max: 127 }).map((v) => ({ type: TType.I8, value: v })),
  fc.integer({ min: -32768, max: 32767 }).map((v) => ({ type: TType.I16, value: v })),
  fc.integer().map((v) => ({ type: TType.I32, value: v })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ type: TType.I64, value: v })),
  fc.double().map((v) => ({ type: TType.DOUBLE, value: v, bits: doubleToBits(v) })),
  fc.uint8Array({ maxLength: 20 }).map((v) => ({ type: TType.STRING, value: Buffer.from(v) })),
  fc.boolean().map((v) => ({ type: TType.BOOL, value: v })),
)

describe('binary args fast path for cache keys', () => {
  test('whenever it answers, it equals canonicalStruct (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 40 }), scalar), { maxLength: 6 }), (fs) => {
        const fields = fs.map(([id, v]) => ({ ...v, id }) as TField)
        const bytes = writeStruct({ type: TType.STRUCT, value: fields }, 'binary')
        const fast = alreadyCanonical(bytes, 0)
        if (fast !== undefined) assert.deepEqual(fast, canonicalStruct(bytes, 0, 'binary'))
        const sortedScalars = fields.every((f, i) => f.type !== TType.BOOL && (i === 0 || (fields[i - 1] as TField).id < f.id))
        assert.equal(fast !== undefined, sortedScalars)
      }),
    )
  })

  test('truncated input takes the slow path', () => {
    const bytes = writeStruct({ type: TType.STRUCT, value: [{ id: 1, type: TType.I64, value: 5n }] }, 'binary')
    assert.equal(alreadyCanonical(bytes.subarray(0, 5), 0), undefined)
  })
})
