import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { extractField } from '../../proxy/codec/field-path.js'
import { writeStruct } from '../../proxy/codec/value-codec.js'
import { CodecErrorCode } from '../../proxy/codec/errors.js'
import { getField, tv, valueOf, type TField, type TStructValue } from '../../proxy/codec/value.js'
import { TType } from '../../proxy/codec/types.js'
import { arbStruct, compactView } from './arbitraries.js'
import { hex, throwsCode } from './hex.js'

// getUser(1: GetUserRequest req) where req = {1: i64 tenant, 2: string email, 3: bool active}
const args = tv.struct([
  tv.field(1, tv.struct([
    tv.field(1, tv.i64(2n ** 60n)),
    tv.field(2, tv.string('a@example.com')),
    tv.field(3, tv.bool(true)),
    tv.field(4, tv.list(TType.I32, [tv.i32(1)])),
  ])),
  tv.field(2, tv.i32(9)),
])

describe('extractField', () => {
  for (const p of ['binary', 'compact'] as const) {
    test(`${p}: by id path, at an offset`, () => {
      const buf = Buffer.concat([hex('aabb'), writeStruct(args, p)])
      assert.deepEqual(extractField(buf, 2, p, [1, 2]), tv.string('a@example.com'))
      assert.deepEqual(extractField(buf, 2, p, [1, 1]), tv.i64(2n ** 60n))
      assert.deepEqual(extractField(buf, 2, p, [1, 3]), tv.bool(true))
      assert.deepEqual(extractField(buf, 2, p, [1, 4]), tv.list(TType.I32, [tv.i32(1)]))
      assert.deepEqual(extractField(buf, 2, p, [2]), tv.i32(9))
      assert.equal(extractField(buf, 2, p, [3]), undefined)
      assert.equal(extractField(buf, 2, p, [1, 7]), undefined)
      assert.equal(extractField(buf, 2, p, [2, 1]), undefined, 'through a non-struct')
    })
  }
  test('a repeated id: the last wins, as receivers keep it', () => {
    assert.deepEqual(extractField(hex('08 0001 00000001  08 0001 00000002 00'), 0, 'binary', [1]), tv.i32(2))
    assert.deepEqual(extractField(hex('11 02 02 00'), 0, 'compact', [1]), tv.bool(false))
  })
  test('bad bytes on the way are CodecErrors', () => {
    throwsCode(() => extractField(hex('0f 0001 0c 7fffffff 00'), 0, 'binary', [2]), CodecErrorCode.SIZE_LIMIT)
    throwsCode(() => extractField(hex('08 0001 0000'), 0, 'binary', [1]), CodecErrorCode.TRUNCATED)
    throwsCode(() => extractField(hex('0c0001 0c0001 0c0001 00 00 00 00'), 0, 'binary', [1], { maxDepth: 2 }), CodecErrorCode.DEPTH_LIMIT)
  })
  test('property: agrees with the decoded tree for every top-level and second-level field', () => {
    fc.assert(
      fc.property(arbStruct(3), fc.constantFrom('binary' as const, 'compact' as const), (s, p) => {
        const buf = writeStruct(s, p)
        const view = (p === 'compact' ? compactView(s) : s) as TStructValue
        for (const f of view.value) {
          assert.deepEqual(extractField(buf, 0, p, [f.id]), valueOf(f))
          if (f.type === TType.STRUCT) {
            for (const g of f.value) {
              const expected: TField | undefined = getField(f, g.id)
              assert.deepEqual(extractField(buf, 0, p, [f.id, g.id]), expected && valueOf(expected))
            }
          }
        }
      }),
      { numRuns: 200 },
    )
  })
})
