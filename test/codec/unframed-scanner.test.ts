import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  CodecErrorCode,
  UnframedScanner,
  skipStruct,
  writeEnvelope,
  writeStruct,
  type Protocol,
} from '../../proxy/codec/index.js'
import { wholeMessageEnd } from '../../proxy/codec/unframed-fast.js'
import { arbStruct } from './arbitraries.js'
import { PIPELINE } from './splitter-cases.js'
import { LIB_PROTOCOLS, allTypes, libMessage, structBody } from './transport-fixtures.js'

const LIMITS = { maxDepth: 64, maxMessageSize: 16_384_000 }

/** Feeds `buf` in pieces cut at `cuts`; returns where the scanner says the message ends. */
function scanEnd(protocol: Protocol, buf: Buffer, cuts: number[], limits = LIMITS): number {
  const s = new UnframedScanner(protocol, limits)
  const points = [...new Set(cuts.filter((c) => c > 0 && c < buf.length))].sort((a, b) => a - b)
  let from = 0
  for (const to of [...points, buf.length]) {
    const end = s.feed(buf, from, to)
    if (end >= 0) {
      assert.ok(s.done)
      return end
    }
    from = to
  }
  return -1
}

describe('UnframedScanner', () => {
  test('library messages end where they end: whole, byte by byte, every 2-split', () => {
    for (const p of LIB_PROTOCOLS) {
      const protocol = p === 'compact' ? 'compact' : 'binary'
      for (const spec of [...PIPELINE, { name: 'big', type: 1, seqid: 3, body: structBody(allTypes(5, 3000)) }]) {
        const m = libMessage('unframed', p, spec)
        const next = Buffer.concat([m, libMessage('unframed', p, PIPELINE[0]!)])
        assert.equal(scanEnd(protocol, next, []), m.length)
        assert.equal(scanEnd(protocol, next, [...Array(next.length).keys()]), m.length)
        for (let i = 1; i < m.length; i++) assert.equal(scanEnd(protocol, next, [i]), m.length, `split at ${i}`)
        assert.equal(scanEnd(protocol, m.subarray(0, m.length - 1), []), -1, 'one byte short: not done')
      }
    }
  })

  test('property: random structs (every type, uuid, long lists, bool fields) in random chunkings', () => {
    fc.assert(
      fc.property(
        arbStruct(3),
        fc.constantFrom<Protocol>('binary', 'compact'),
        fc.boolean(),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (v, protocol, strict, seqid, rawCuts) => {
          const env = writeEnvelope(protocol, strict, 'Svc:m', 1, seqid)
          const body = writeStruct(v, protocol)
          const msg = Buffer.concat([env, body, Buffer.from([0x80, 0x01])])
          const len = env.length + body.length
          assert.equal(skipStruct(msg, env.length, protocol), len)
          const cuts = rawCuts.map((c) => c % msg.length)
          assert.equal(scanEnd(protocol, msg, cuts), len)
        },
      ),
      { numRuns: 400 },
    )
  })

  test('property: the whole-chunk fast path agrees with the scanner, or defers to it', () => {
    fc.assert(
      fc.property(
        arbStruct(3),
        fc.constantFrom<Protocol>('binary', 'compact'),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 1, max: 8 }),
        (v, protocol, flips, cut, maxDepth) => {
          const msg = Buffer.concat([writeEnvelope(protocol, true, 'm', 1, 7), writeStruct(v, protocol)])
          for (const [at, b] of flips) msg[at % msg.length] = b
          const end = cut % (msg.length + 1)
          const limits = { maxDepth, maxMessageSize: 16_384_000 }
          const fast = wholeMessageEnd(msg, 0, end, protocol, limits)
          if (fast < 0) return
          assert.ok(fast <= end)
          assert.equal(scanEnd(protocol, msg.subarray(0, end), [], limits), fast)
        },
      ),
      { numRuns: 2000 },
    )
  })

  test('uuid fields, hand-encoded (the 0.17 compiler cannot)', () => {
    const b = Buffer.concat([writeEnvelope('binary', true, 'u', 1, 1), Buffer.from('100001', 'hex'), Buffer.alloc(16, 7), Buffer.from([0])])
    assert.equal(scanEnd('binary', b, [5, 20]), b.length)
    const c = Buffer.concat([writeEnvelope('compact', true, 'u', 1, 1), Buffer.from('1d', 'hex'), Buffer.alloc(16, 7), Buffer.from([0])])
    assert.equal(scanEnd('compact', c, [5, 20]), c.length)
  })

  const code = (protocol: Protocol, hex: string, c: string): void =>
    assert.throws(() => scanEnd(protocol, Buffer.from(hex, 'hex'), []), (e: { code?: string }) => e.code === c, hex)

  test('bad input throws CodecError with a stable code', () => {
    const env = '80010001000000016100000001'
    code('binary', env + '0900010000', CodecErrorCode.BAD_TYPE) // type 9 does not exist
    code('binary', env + '0f0001' + '0900000001', CodecErrorCode.BAD_TYPE) // list of type 9
    code('binary', env + '0f0001' + '08ffffffff', CodecErrorCode.NEGATIVE_SIZE)
    code('binary', env + '0b0001' + '80000000', CodecErrorCode.NEGATIVE_SIZE)
    code('binary', '80020001', CodecErrorCode.BAD_VERSION)
    code('binary', 'ffffffff', CodecErrorCode.BAD_VERSION)
    code('compact', '8321', CodecErrorCode.BAD_VERSION)
    code('compact', '8222', CodecErrorCode.BAD_VERSION)
    code('compact', '822101016116' + '8080808080808080808080', CodecErrorCode.INVALID_DATA) // varint > 10 bytes
    code('compact', '822101016118' + '8080808080', CodecErrorCode.INVALID_DATA) // varint32 > 5 bytes
    code('compact', '82210101611f', CodecErrorCode.BAD_TYPE) // compact type 15
  })

  test('regression: the size limit counts bytes no length announces (compact i32 fields, STOPs)', () => {
    // found by the splitter fuzz: many varint fields, no string/container length to check
    const fields = '15' + 'ffffffff0f'.repeat(1) + '15ffffffff0f'.repeat(40)
    const m = Buffer.from('8221010161' + fields + '00', 'hex')
    assert.throws(() => scanEnd('compact', m, [10, 100], { maxDepth: 64, maxMessageSize: 128 }), {
      code: CodecErrorCode.FRAME_TOO_LARGE,
    })
    assert.equal(scanEnd('compact', m, [10, 100], { maxDepth: 64, maxMessageSize: m.length }), m.length)
  })

  test('limits: size and depth', () => {
    const small = { maxDepth: 64, maxMessageSize: 64 }
    assert.throws(() => scanEnd('binary', Buffer.from('800100010000000161000000010b000100001000', 'hex'), [], small), {
      code: CodecErrorCode.FRAME_TOO_LARGE,
    })
    assert.throws(() => scanEnd('compact', Buffer.from('8221010161' + '19' + 'f8ffff07', 'hex'), [], small), {
      code: CodecErrorCode.SIZE_LIMIT,
    })
    const nested = '8221010161' + '1c'.repeat(3) + '00'.repeat(4)
    assert.equal(scanEnd('compact', Buffer.from(nested, 'hex'), [], { maxDepth: 4, maxMessageSize: 100 }), nested.length / 2)
    assert.throws(() => scanEnd('compact', Buffer.from(nested, 'hex'), [], { maxDepth: 3, maxMessageSize: 100 }), {
      code: CodecErrorCode.DEPTH_LIMIT,
    })
  })
})
