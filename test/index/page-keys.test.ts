// Backfill pages read from the bytes (page-keys.ts) give exactly the keys of decoding the reply
// and taking entityKeys of each entity (fast-check: every key type, unset, mistyped and repeated
// fields, unknown fields of every shape, a page struct around the list); failed scans are typed
// errors; other protocols are left to the decoding path.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MessageSplitter, MessageType, TType, dialectOf, encodeMessage, getField, tv, writeStruct, type Message, type Protocol, type TField, type TStructValue, type TValue } from '../../proxy/codec/index.js'
import { replyResult } from '../../proxy/index/calls.js'
import type { EntityModel } from '../../proxy/index/entity-model.js'
import { binaryPageKeys } from '../../proxy/index/page-keys.js'
import { entityKeys } from '../../proxy/index/values.js'

const indexes = [
  { name: 'email', position: 0, fieldId: 3, type: 'string', unique: true },
  { name: 'age', position: 1, fieldId: 4, type: 'i32', unique: false },
  { name: 'small', position: 2, fieldId: 6, type: 'i16', unique: false },
  { name: 'tiny', position: 3, fieldId: 7, type: 'i8', unique: false },
  { name: 'blob', position: 4, fieldId: 8, type: 'binary', unique: false },
  { name: 'score', position: 5, fieldId: 9, type: 'double', unique: false },
  { name: 'flag', position: 6, fieldId: 10, type: 'bool', unique: false },
  { name: 'ref', position: 7, fieldId: 11, type: 'uuid', unique: false },
] as const
const model = (listFieldId: number | undefined): EntityModel =>
  ({ name: 'User', keyFieldId: 1, keyType: 'i64', indexes, scan: { method: 'scanUsers', afterId: 1, limitId: 2, limitTType: TType.I32, listFieldId } }) as unknown as EntityModel

function reply(body: TStructValue, protocol: Protocol = 'binary', type: MessageType = MessageType.REPLY): Message {
  const d = dialectOf('framed', protocol, true)
  const raw = Buffer.concat(encodeMessage(d, undefined, { name: 'scanUsers', type, seqid: 1 }, writeStruct(body, protocol)))
  let out: Message | undefined
  new MessageSplitter({ transport: 'framed', protocol }).push(raw, (m) => (out = m))
  return out!
}

/** The reference: decode the reply, take the list, entityKeys of each struct. */
function decoded(m: EntityModel, r: Message): unknown {
  const res = replyResult(r)
  assert.equal(res.kind, 'success')
  let list = (res as { value: TValue }).value
  if (m.scan!.listFieldId !== undefined) {
    const f = list.type === TType.STRUCT ? getField(list, m.scan!.listFieldId) : undefined
    if (f === undefined) return []
    list = f
  }
  assert.equal(list.type, TType.LIST)
  return (list as { value: readonly TValue[] }).value.filter((v): v is TStructValue => v.type === TType.STRUCT).map((e) => entityKeys(m, e))
}

const anyScalar: fc.Arbitrary<TValue> = fc.oneof(
  fc.boolean().map(tv.bool),
  fc.integer({ min: -128, max: 127 }).map(tv.i8),
  fc.integer({ min: -32768, max: 32767 }).map(tv.i16),
  fc.integer({ min: -2147483648, max: 2147483647 }).map(tv.i32),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(tv.i64),
  fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity)).map(tv.double),
  fc.string({ unit: 'binary' }).map(tv.string),
  fc.uint8Array({ maxLength: 20 }).map((b) => tv.binary(Buffer.from(b))),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => tv.uuid(Buffer.from(b))),
)
const anyValue: fc.Arbitrary<TValue> = fc.oneof(
  { weight: 4, arbitrary: anyScalar },
  { weight: 1, arbitrary: fc.array(fc.string().map(tv.string), { maxLength: 3 }).map((xs) => tv.list(TType.STRING, xs)) },
  { weight: 1, arbitrary: fc.array(fc.integer().map(tv.i32), { maxLength: 3 }).map((xs) => tv.map(TType.I32, TType.I32, xs.map((k) => ({ key: k, value: k })))) },
  { weight: 1, arbitrary: anyScalar.map((v) => tv.struct([tv.field(1, v)])) },
)
// Fields the entity uses (key and indexed ids) more often than others, any type, sometimes repeated.
const anyEntity: fc.Arbitrary<TStructValue> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(1, 1, 3, 4, 6, 7, 8, 9, 10, 11), fc.integer({ min: -5, max: 40 })), anyValue), { maxLength: 12 })
  .map((fs) => tv.struct(fs.map(([id, v]): TField => tv.field(id, v))))
// Mostly well-formed users, so whole pages of usable keys are common too.
const user: fc.Arbitrary<TStructValue> = fc
  .tuple(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.string({ unit: 'grapheme' }), fc.option(fc.integer({ min: -2147483648, max: 2147483647 })))
  .map(([id, email, age]) => tv.struct([tv.field(1, tv.i64(id)), tv.field(2, tv.string('name')), tv.field(3, tv.string(email)), ...(age === null ? [] : [tv.field(4, tv.i32(age))])]))

describe('backfill page keys from the bytes', () => {
  test('equal the decoded entities’ keys, for a list result and a page struct around it', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(user, anyEntity), { maxLength: 8 }), fc.boolean(), (entities, wrapped) => {
        const list = tv.list(TType.STRUCT, entities)
        const m = model(wrapped ? 1 : undefined)
        const body = tv.struct([tv.field(0, wrapped ? tv.struct([tv.field(2, tv.i64(7)), tv.field(1, list)]) : list)])
        const r = reply(body)
        assert.deepEqual(binaryPageKeys(m, r), decoded(m, r))
      }),
      { numRuns: 300 },
    )
  })

  test('a page without a list, with a list of other things, or empty', () => {
    const m = model(1)
    for (const body of [tv.struct([tv.field(0, tv.struct([tv.field(2, tv.i64(7))]))]), tv.struct([tv.field(0, tv.struct([tv.field(1, tv.list(TType.I32, [tv.i32(1)]))]))])]) {
      assert.deepEqual(binaryPageKeys(m, reply(body)), [])
    }
    assert.deepEqual(binaryPageKeys(model(undefined), reply(tv.struct([tv.field(0, tv.list(TType.STRUCT, []))]))), [])
    assert.throws(() => binaryPageKeys(model(undefined), reply(tv.struct([tv.field(0, tv.i32(3))]))), { code: 'TG_ERR_INDEX_BACKFILL', message: /did not return a list/ })
  })

  test('a failed scan is a typed error; other protocols are left to the decoder', () => {
    const m = model(undefined)
    assert.throws(() => binaryPageKeys(m, reply(tv.struct([tv.field(1, tv.struct([]))]))), { code: 'TG_ERR_INDEX_BACKFILL', message: /declared exception field 1/ })
    assert.throws(() => binaryPageKeys(m, reply(tv.struct([]))), { code: 'TG_ERR_INDEX_BACKFILL', message: /application exception/ })
    assert.throws(() => binaryPageKeys(m, reply(tv.struct([tv.field(1, tv.string('boom'))]), 'binary', MessageType.EXCEPTION)), { code: 'TG_ERR_INDEX_BACKFILL' })
    assert.equal(binaryPageKeys(m, reply(tv.struct([tv.field(0, tv.list(TType.STRUCT, []))]), 'compact')), undefined)
  })

  test('truncated bytes are a CodecError, never a wrong page', () => {
    const r = reply(tv.struct([tv.field(0, tv.list(TType.STRUCT, [tv.struct([tv.field(1, tv.i64(1)), tv.field(3, tv.string('a@x'))])]))]))
    for (let cut = r.bodyOffset; cut < r.payload.length; cut++) {
      const short: Message = { ...r, payload: r.payload.subarray(0, cut) }
      assert.throws(() => binaryPageKeys(model(undefined), short), (e: Error) => e.name === 'CodecError' || (e as { code?: string }).code === 'TG_ERR_INDEX_BACKFILL', `cut at ${cut}`)
    }
  })
})
