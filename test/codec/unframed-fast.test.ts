// The unframed fast path: a message whole inside a chunk gets its Message from the envelope
// fields wholeMessageEnd read on its way to the body, not from a second read (toMessage). These
// tests pin that the two agree on every field, in every dialect, whole and split at every byte,
// and that anything the fast path does not vouch for still fails with the general path's error.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  CodecError,
  CodecErrorCode,
  MessageSplitter,
  MessageType,
  writeEnvelope,
  writeStruct,
  type Message,
  type Protocol,
} from '../../proxy/codec/index.js'
import { toMessage } from '../../proxy/codec/to-message.js'
import { arbStruct } from './arbitraries.js'

type Dialect = 'strict' | 'old' | 'compact'
const protocolOf = (d: Dialect): Protocol => (d === 'compact' ? 'compact' : 'binary')

interface Spec {
  readonly name: string
  readonly type: MessageType
  readonly seqid: number
}

const arbName = fc.oneof(
  fc.constantFrom('add', 'getUser', 'UserService:getUser', 'a:b:c', ':', '', 'évènement', 'Svc:日本'),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
)
const arbSpec: fc.Arbitrary<Spec> = fc.record({
  name: arbName,
  type: fc.constantFrom<MessageType>(MessageType.CALL, MessageType.REPLY, MessageType.EXCEPTION, MessageType.ONEWAY),
  seqid: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
})

function encode(d: Dialect, s: Spec, body: Buffer): Buffer {
  return Buffer.concat([writeEnvelope(protocolOf(d), d !== 'old', s.name, s.type, s.seqid), body])
}

function splitAll(d: Dialect, chunks: readonly Buffer[]): Message[] {
  const sp = new MessageSplitter({ transport: 'unframed', protocol: protocolOf(d) })
  const out: Message[] = []
  for (const c of chunks) sp.push(c, (m) => out.push(m))
  return out
}

/** Every field of a Message, with the bytes as hex (views of different chunks compare equal). */
function fields(m: Message): Record<string, unknown> {
  return {
    raw: m.raw.toString('hex'),
    payload: m.payload.toString('hex'),
    dialect: m.dialect,
    header: m.header,
    type: m.type,
    name: m.name,
    service: m.service,
    method: m.method,
    seqid: m.seqid,
    bodyOffset: m.bodyOffset,
  }
}

/** What the general path (a fresh envelope read) says about the same bytes. */
function reference(d: Dialect, raw: Buffer): Record<string, unknown> {
  const copy = Buffer.from(raw)
  return fields(toMessage(copy, copy, 'unframed', protocolOf(d), undefined))
}

describe('unframed fast path', () => {
  test('property: messages whole in one chunk match a fresh envelope read, every field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Dialect>('strict', 'old', 'compact'),
        fc.array(fc.tuple(arbSpec, arbStruct(2)), { minLength: 1, maxLength: 5 }),
        (d, msgs) => {
          const raws = msgs.map(([s, v]) => encode(d, s, writeStruct(v, protocolOf(d))))
          const got = splitAll(d, [Buffer.concat(raws)])
          assert.equal(got.length, raws.length)
          got.forEach((m, i) => assert.deepEqual(fields(m), reference(d, raws[i]!)))
          // one message alone in its chunk: the chunk itself is the view
          const [one] = splitAll(d, [raws[0]!])
          assert.deepEqual(fields(one!), reference(d, raws[0]!))
        },
      ),
      { numRuns: 500 },
    )
  })

  test('a pipeline split at every byte boundary yields the same Messages as whole', () => {
    for (const d of ['strict', 'old', 'compact'] as const) {
      const specs: Spec[] = [
        { name: 'UserService:getUser', type: MessageType.CALL, seqid: 1 },
        { name: 'notify', type: MessageType.ONEWAY, seqid: -7 },
        { name: 'Svc:日本', type: MessageType.CALL, seqid: 0x7fffffff },
        { name: 'getUser', type: MessageType.REPLY, seqid: 2 },
        { name: 'x', type: MessageType.EXCEPTION, seqid: 3 },
      ]
      // one i32 field (id 1, value 5), then STOP
      const body = Buffer.from(d === 'compact' ? '150a00' : '0800010000000500', 'hex')
      const raws = specs.map((s) => encode(d, s, body))
      const stream = Buffer.concat(raws)
      const whole = splitAll(d, [stream]).map(fields)
      assert.deepEqual(whole, raws.map((r) => reference(d, r)))
      for (let i = 1; i < stream.length; i++) {
        assert.deepEqual(splitAll(d, [stream.subarray(0, i), stream.subarray(i)]).map(fields), whole, `${d} split at ${i}`)
      }
      for (let i = 1; i + 1 < stream.length; i += 3) {
        const cuts = [stream.subarray(0, i), stream.subarray(i, i + 2), stream.subarray(i + 2)]
        assert.deepEqual(splitAll(d, cuts).map(fields), whole, `${d} cut at ${i} and ${i + 2}`)
      }
    }
  })

  test('a bad message type in a whole chunk fails as it always did (BAD_VERSION)', () => {
    const bad: [Dialect, string][] = [
      ['strict', '80010005' + '00000001' + '61' + '00000001' + '00'], // strict, type 5
      ['strict', '80010000' + '00000001' + '61' + '00000001' + '00'], // strict, type 0
      ['old', '00000001' + '61' + '09' + '00000001' + '00'], // old style, type 9
      ['compact', '82a1' + '01' + '01' + '61' + '00'], // compact, type 5
      ['compact', '8201' + '01' + '01' + '61' + '00'], // compact, type 0
    ]
    for (const [d, hex] of bad) {
      const chunk = Buffer.from(hex, 'hex')
      assert.throws(
        () => splitAll(d, [chunk]),
        (e: unknown) => e instanceof CodecError && e.code === CodecErrorCode.BAD_VERSION,
        `${d} ${hex}`,
      )
      // the same bytes after a good message in the same chunk
      const good = encode(d, { name: 'ok', type: MessageType.CALL, seqid: 1 }, Buffer.from([0]))
      const seen: Message[] = []
      const sp = new MessageSplitter({ transport: 'unframed', protocol: protocolOf(d) })
      assert.throws(() => sp.push(Buffer.concat([good, chunk]), (m) => seen.push(m)), (e: unknown) => e instanceof CodecError)
      assert.equal(seen.length, 1)
    }
  })
})
