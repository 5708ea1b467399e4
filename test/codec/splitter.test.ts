import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { deflateSync } from 'node:zlib'
import {
  CodecErrorCode,
  MessageSplitter,
  dialectOf,
  encodeMessage,
  type MessageType,
  writeHeaderFrame,
  type HeaderInfo,
} from '../../proxy/codec/index.js'
import { PIPELINE, libCase, split, threeWays } from './splitter-cases.js'
import { LIB_PROTOCOLS, LIB_TRANSPORTS, allTypes, fingerprint, libMessage, structBody, summarize } from './transport-fixtures.js'

const COMBOS = LIB_TRANSPORTS.flatMap((t) =>
  LIB_PROTOCOLS.filter((p) => !(t === 'header' && p === 'binary-nonstrict')).map((p) => [t, p] as const),
)

describe('MessageSplitter: library-written pipelines, three ways', () => {
  for (const [t, p] of COMBOS) {
    test(`${t} ${p}: detected`, () => threeWays(libCase(t, p)))
    test(`${t} ${p}: fixed by config`, () =>
      threeWays(libCase(t, p), { transport: t, protocol: p === 'compact' ? 'compact' : 'binary' }))
  }
  test('fixed transport, protocol auto (unframed compact, framed non-strict)', () => {
    threeWays(libCase('unframed', 'compact'), { transport: 'unframed' })
    threeWays(libCase('framed', 'binary-nonstrict'), { transport: 'framed', protocol: 'auto' })
  })
})

describe('MessageSplitter: THeader info headers and zlib', () => {
  const headers = { 'X-Trace-Id': 'AbC-123', lower: 'v', UPPER: '', 'Mixed.Case_Key': 'VaLuE ✓' }
  for (const p of ['binary', 'compact'] as const) {
    test(`${p}: mixed-case info keys kept byte-exact`, () => {
      const c = libCase('header', p, PIPELINE, headers)
      threeWays(c)
      const { messages } = split([c.stream])
      assert.deepEqual(
        messages[0]!.header!.info.map((kv) => [kv.key.toString(), kv.value.toString()]),
        Object.entries(headers),
      )
    })

    test(`${p}: zlib-compressed payloads are inflated`, () => {
      const payloads = PIPELINE.map((s) => libMessage('unframed', p, s))
      const frames = PIPELINE.map((s, i) => {
        const h: HeaderInfo = {
          flags: 1,
          seqid: s.seqid,
          protocolId: p === 'compact' ? 2 : 0,
          transforms: [1],
          info: [{ key: Buffer.from('Key'), value: Buffer.from('Val') }],
        }
        return Buffer.concat(writeHeaderFrame(h, [payloads[i]!]))
      })
      const stream = Buffer.concat(frames)
      const base = libCase('unframed', p).expected
      const expected = base.map((e, i) => ({
        ...e,
        transport: 'header',
        raw: fingerprint(frames[i]!),
        header: JSON.stringify({
          flags: 1,
          seqid: PIPELINE[i]!.seqid,
          protocolId: p === 'compact' ? 2 : 0,
          transforms: [1],
          info: [[Buffer.from('Key').toString('hex'), Buffer.from('Val').toString('hex')]],
        }),
      }))
      threeWays({ stream, expected })
    })
  }

  test('non-strict binary payloads in THeader (as other libraries may send), three ways', () => {
    const base = libCase('unframed', 'binary-nonstrict').expected
    const d = dialectOf('header', 'binary', false)
    const info = [{ key: Buffer.from('Trace-ID'), value: Buffer.from('x') }]
    const frames = PIPELINE.map((spec, i) => {
      const payload = libMessage('unframed', 'binary-nonstrict', spec)
      const bodyOffset = base[i]!.bodyOffset
      const h: HeaderInfo = { flags: 0, seqid: spec.seqid, protocolId: 0, transforms: [], info }
      return Buffer.concat(encodeMessage(d, h, { name: spec.name, type: spec.type as MessageType, seqid: spec.seqid }, payload.subarray(bodyOffset)))
    })
    const expected = base.map((e, i) => ({
      ...e,
      transport: 'header',
      raw: fingerprint(frames[i]!),
      header: JSON.stringify({
        flags: 0,
        seqid: PIPELINE[i]!.seqid,
        protocolId: 0,
        transforms: [],
        info: [[Buffer.from('Trace-ID').toString('hex'), Buffer.from('x').toString('hex')]],
      }),
    }))
    threeWays({ stream: Buffer.concat(frames), expected })
  })

  test('C++-style padding (1-4 bytes, a whole word when aligned) is accepted', () => {
    const payload = libMessage('unframed', 'binary', PIPELINE[0]!)
    // protocol 0, no transforms: 2 bytes of header; C++ pads to 4, then adds a full word when aligned
    const hdr = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])
    const fixed = Buffer.alloc(14)
    fixed.writeUInt32BE(10 + hdr.length + payload.length, 0)
    fixed.writeUInt16BE(0x0fff, 4)
    fixed.writeInt32BE(1, 8)
    fixed.writeUInt16BE(hdr.length / 4, 12)
    const frame = Buffer.concat([fixed, hdr, payload])
    const { messages } = split([frame])
    assert.equal(messages.length, 1)
    assert.equal(messages[0]!.payload.toString('hex'), payload.toString('hex'))
  })
})

describe('MessageSplitter: large messages', () => {
  for (const t of ['framed', 'unframed', 'header'] as const) {
    test(`${t} binary: 1 MB binary field, pipelined with small calls`, () => {
      const big = { name: 'echoBinary', type: 1, seqid: 42, body: structBody(allTypes(9, 1 << 20)) }
      const c = libCase(t, 'binary', [PIPELINE[0]!, big, PIPELINE[1]!])
      threeWays(c, {}, 131_071)
    })
  }
  test('unframed compact: 1 MB in 1 KB chunks', () => {
    const big = { name: 'echoBinary', type: 1, seqid: 42, body: structBody(allTypes(9, 1 << 20)) }
    const c = libCase('unframed', 'compact', [big, PIPELINE[2]!])
    const chunks: Buffer[] = []
    for (let i = 0; i < c.stream.length; i += 1024) chunks.push(c.stream.subarray(i, i + 1024))
    assert.deepEqual(split(chunks).messages.map(summarize), c.expected)
  })
})

function expectCode(chunks: Buffer[], code: string, opts = {}): MessageSplitter {
  const s = new MessageSplitter(opts)
  assert.throws(
    () => {
      for (const c of chunks) s.push(c, () => {})
    },
    (e: { code?: string }) => e.code === code,
  )
  return s
}

describe('MessageSplitter: limits and bad input', () => {
  test('oversized frame is rejected from its length alone, nothing buffered', () => {
    const head = Buffer.from([0x01, 0x00, 0x00, 0x00, 0x80, 0x01])
    const s = expectCode([head], CodecErrorCode.FRAME_TOO_LARGE, { limits: { maxMessageSize: 1000 } })
    assert.ok(s.bufferedBytes <= head.length)
    const fixed = expectCode([Buffer.from([0, 0, 0x10, 0])], CodecErrorCode.FRAME_TOO_LARGE, {
      transport: 'framed',
      limits: { maxMessageSize: 1000 },
    })
    assert.equal(fixed.bufferedBytes, 0)
  })

  test('negative frame length and negative string length', () => {
    expectCode([Buffer.from([0xff, 0xff, 0xff, 0xf0])], CodecErrorCode.NEGATIVE_SIZE, { transport: 'framed' })
    // unframed strict binary: CALL "a", seqid 1, field 1 string with length -2
    const bad = Buffer.from('80010001000000016100000001' + '0b0001' + 'fffffffe', 'hex')
    expectCode([bad], CodecErrorCode.NEGATIVE_SIZE)
  })

  test('unframed message past maxMessageSize fails before it is buffered', () => {
    const m = libMessage('unframed', 'binary', { name: 'x', type: 1, seqid: 1, body: structBody(allTypes(1, 5000)) })
    const s = expectCode([m.subarray(0, 100)], CodecErrorCode.FRAME_TOO_LARGE, { limits: { maxMessageSize: 1000 } })
    assert.ok(s.bufferedBytes <= 100)
  })

  test('depth bomb: unframed nesting past maxDepth', () => {
    for (const p of ['binary', 'compact'] as const) {
      const parts: Buffer[] = [Buffer.from(p === 'binary' ? '800100010000000161' + '00000001' : '8221010161', 'hex')]
      // field 1: struct, 100 levels deep
      for (let i = 0; i < 100; i++) parts.push(Buffer.from(p === 'binary' ? '0c0001' : '1c', 'hex'))
      expectCode([Buffer.concat(parts)], CodecErrorCode.DEPTH_LIMIT)
    }
    // lists of lists, binary, byte by byte
    const parts: Buffer[] = [Buffer.from('80010001000000016100000001' + '0f0001', 'hex')]
    for (let i = 0; i < 100; i++) parts.push(Buffer.from('0f00000001', 'hex'))
    const bomb = Buffer.concat(parts)
    expectCode([...bomb].map((b) => Buffer.from([b])), CodecErrorCode.DEPTH_LIMIT)
  })

  test('depth bomb in a frame: caught when bodies are verified', () => {
    const parts: Buffer[] = [Buffer.from('80010001000000016100000001', 'hex')]
    for (let i = 0; i < 100; i++) parts.push(Buffer.from('0c0001', 'hex'))
    for (let i = 0; i < 101; i++) parts.push(Buffer.from('00', 'hex'))
    const payload = Buffer.concat(parts)
    const frame = Buffer.concat([Buffer.from([0, 0, payload.length >> 8, payload.length & 0xff]), payload])
    assert.equal(split([frame]).messages.length, 1, 'forwarding needs only the envelope')
    expectCode([frame], CodecErrorCode.DEPTH_LIMIT, { verifyBodies: true })
  })

  test('a huge container size is refused at once', () => {
    // list<i32> with 2^30 elements in a 100-byte limit
    const m = Buffer.from('80010001000000016100000001' + '0f0001' + '0840000000', 'hex')
    expectCode([m], CodecErrorCode.SIZE_LIMIT, { limits: { maxMessageSize: 100 } })
  })

  const header = (mutate: (b: Buffer) => Buffer): Buffer => {
    const m = libMessage('header', 'binary', PIPELINE[0]!, { headers: { K: 'v' } })
    return mutate(Buffer.from(m))
  }

  test('THeader: bad magic on a later frame', () => {
    const good = header((b) => b)
    const bad = header((b) => {
      b.writeUInt16BE(0x0ffe, 4)
      return b
    })
    expectCode([good, bad], CodecErrorCode.BAD_HEADER)
    expectCode([bad], CodecErrorCode.BAD_HEADER, { transport: 'header' })
  })

  test('THeader: header size past the frame', () => {
    expectCode(
      [
        header((b) => {
          b.writeUInt16BE(0xffff, 12)
          return b
        }),
      ],
      CodecErrorCode.BAD_HEADER,
    )
  })

  test('THeader: length over 0x3FFFFFFF or the limit', () => {
    const b = Buffer.from([0x40, 0, 0, 0, 0x0f, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
    expectCode([b], CodecErrorCode.BAD_HEADER, { limits: { maxMessageSize: 0x7fffffff } })
    expectCode([b], CodecErrorCode.FRAME_TOO_LARGE)
  })

  const withHeaderBytes = (hdr: number[], payload: Buffer): Buffer => {
    const words = Math.ceil(hdr.length / 4)
    const h = Buffer.alloc(words * 4)
    Buffer.from(hdr).copy(h)
    const fixed = Buffer.alloc(14)
    fixed.writeUInt32BE(10 + h.length + payload.length, 0)
    fixed.writeUInt16BE(0x0fff, 4)
    fixed.writeUInt16BE(words, 12)
    return Buffer.concat([fixed, h, payload])
  }
  const payload = (): Buffer => libMessage('unframed', 'binary', PIPELINE[0]!)

  test('THeader: unknown transform (HMAC, snappy, 9)', () => {
    for (const id of [2, 3, 9]) {
      const s = expectCode([withHeaderBytes([0, 1, id], payload())], CodecErrorCode.BAD_TRANSFORM)
      assert.throws(() => s.push(Buffer.alloc(0), () => {}), /transform/)
    }
  })

  test('THeader: JSON protocol id is NOT_IMPLEMENTED, unknown ids are BAD_HEADER', () => {
    expectCode([withHeaderBytes([1, 0], payload())], CodecErrorCode.NOT_IMPLEMENTED)
    expectCode([withHeaderBytes([7, 0], payload())], CodecErrorCode.BAD_HEADER)
  })

  test('THeader: truncated info block', () => {
    expectCode([withHeaderBytes([0, 0, 1, 1, 50, 65], payload())], CodecErrorCode.BAD_HEADER)
  })

  test('THeader: zip bomb fails with FRAME_TOO_LARGE', () => {
    const bomb = deflateSync(Buffer.alloc(64 << 20))
    expectCode([withHeaderBytes([0, 1, 1], bomb)], CodecErrorCode.FRAME_TOO_LARGE, {
      limits: { maxMessageSize: 1 << 20 },
    })
  })

  test('THeader: zlib garbage is BAD_TRANSFORM', () => {
    expectCode([withHeaderBytes([0, 1, 1], Buffer.from('not zlib at all'))], CodecErrorCode.BAD_TRANSFORM)
  })

  test('garbage streams are UNKNOWN_PROTOCOL', () => {
    expectCode([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], CodecErrorCode.UNKNOWN_PROTOCOL)
    expectCode([Buffer.from('160301020001000200', 'hex')], CodecErrorCode.UNKNOWN_PROTOCOL)
    expectCode([Buffer.from('8002000100', 'hex')], CodecErrorCode.UNKNOWN_PROTOCOL)
    expectCode([Buffer.from('8203', 'hex')], CodecErrorCode.UNKNOWN_PROTOCOL)
  })

  test('an empty or truncated frame is TRUNCATED', () => {
    expectCode([Buffer.from([0, 0, 0, 0])], CodecErrorCode.TRUNCATED, { transport: 'framed' })
    expectCode([Buffer.from('0000000680010001000000', 'hex')], CodecErrorCode.TRUNCATED)
  })

  test('after an error every push throws the same error', () => {
    const s = expectCode([Buffer.from('GET / HTTP/1.1\r\n')], CodecErrorCode.UNKNOWN_PROTOCOL)
    assert.throws(() => s.push(libMessage('framed', 'binary', PIPELINE[0]!), () => {}), /UNKNOWN|does not start/)
    assert.equal(s.dialect, undefined, 'no dialect: no reply can be written')
  })
})

describe('MessageSplitter: state', () => {
  test('dialect is known once detected, before the first message completes', () => {
    const s = new MessageSplitter()
    const m = libMessage('framed', 'compact', PIPELINE[0]!)
    s.push(m.subarray(0, 8), () => assert.fail('not complete'))
    assert.deepEqual({ ...s.dialect }, { transport: 'framed', protocol: 'compact', strict: true })
    assert.equal(s.bufferedBytes, 8)
  })

  test('bufferedBytes never exceeds the message in progress', () => {
    const c = libCase('unframed', 'binary')
    const s = new MessageSplitter()
    let max = 0
    for (let i = 0; i < c.stream.length; i += 7) {
      s.push(c.stream.subarray(i, i + 7), () => {})
      max = Math.max(max, s.bufferedBytes)
    }
    assert.ok(max < 1000, `buffered ${max}`)
    assert.equal(s.bufferedBytes, 0)
  })
})
