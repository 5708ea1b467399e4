import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { deflateSync } from 'node:zlib'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  CodecErrorCode,
  TApplicationExceptionType,
  applicationExceptionFor,
  parseHeaderFrame,
  readStruct,
  replyFor,
  rewriteSeqid,
  tv,
  writeHeaderFrame,
  writeStruct,
  type HeaderInfo,
} from '../../proxy/codec/index.js'
import { PIPELINE, split } from './splitter-cases.js'
import { libMessage, summarize, thrift } from './transport-fixtures.js'

const MAX = 16_384_000
const kv = (k: string | Buffer, v: string | Buffer) => ({ key: Buffer.from(k), value: Buffer.from(v) })

describe('THeader parse/write against the library', () => {
  for (const [p, id] of [['binary', 0], ['compact', 2]] as const) {
    test(`${p}: parse what the library writes; write the same bytes back`, () => {
      const headers = { 'X-Trace-Id': 'AbC', lower: 'v', UPPER: '' }
      for (const spec of PIPELINE) {
        const frame = libMessage('header', p, spec, { headers })
        const f = parseHeaderFrame(frame, MAX)
        assert.equal(f.protocol, p)
        assert.deepEqual(f.payload, libMessage('unframed', p, spec))
        assert.equal(f.payload.buffer, frame.buffer, 'no transform: the payload is a view')
        assert.deepEqual(
          { ...f.header, info: f.header.info.map((x) => [x.key.toString(), x.value.toString()]) },
          { flags: 0, seqid: spec.seqid, protocolId: id, transforms: [], info: Object.entries(headers) },
        )
        // Node pads 0-3 bytes, as we do: byte-identical
        assert.deepEqual(Buffer.concat(writeHeaderFrame(f.header, [f.payload])), frame)
      }
    })
  }

  test('the library reads our frames, info keys with their case', () => {
    const payload = libMessage('unframed', 'compact', PIPELINE[0]!)
    const h: HeaderInfo = { flags: 0, seqid: 1, protocolId: 2, transforms: [], info: [kv('X-Mixed-Case', 'Val'), kv('k', 'v2')] }
    const frame = Buffer.concat(writeHeaderFrame(h, [payload]))
    let got: { name: string; headers: Record<string, string> } | undefined
    thrift.TBufferedTransport.receiver((t: { getReadHeaders(): Record<string, string> }) => {
      const proto = new thrift.THeaderProtocol(t)
      const m = proto.readMessageBegin()
      got = { name: m.fname, headers: { ...t.getReadHeaders() } }
    })(frame)
    assert.deepEqual(got, { name: 'Interop:echo', headers: { 'X-Mixed-Case': 'Val', k: 'v2' } })
  })
})

describe('THeader details', () => {
  const payload = libMessage('unframed', 'binary', PIPELINE[0]!)

  test('zlib both ways; info bytes that are not UTF-8 survive', () => {
    const h: HeaderInfo = { flags: 1, seqid: -3, protocolId: 0, transforms: [1], info: [kv(Buffer.from([0xff, 0x00, 0x41]), Buffer.from([0x80]))] }
    const frame = Buffer.concat(writeHeaderFrame(h, [payload.subarray(0, 3), payload.subarray(3)]))
    const f = parseHeaderFrame(frame, MAX)
    assert.deepEqual(f.payload, payload)
    assert.deepEqual(f.header, h)
    // double zlib (two transforms) is undone in reverse order
    const twice = Buffer.concat(writeHeaderFrame({ ...h, transforms: [1, 1] }, [payload]))
    assert.deepEqual(parseHeaderFrame(twice, MAX).payload, payload)
  })

  const raw = (hdr: number[], body: Buffer, opts: { magic?: number; words?: number } = {}): Buffer => {
    const words = opts.words ?? Math.ceil(hdr.length / 4)
    const h = Buffer.alloc(Math.ceil(hdr.length / 4) * 4)
    Buffer.from(hdr).copy(h)
    const fixed = Buffer.alloc(14)
    fixed.writeUInt32BE(10 + h.length + body.length, 0)
    fixed.writeUInt16BE(opts.magic ?? 0x0fff, 4)
    fixed.writeUInt16BE(words, 12)
    return Buffer.concat([fixed, h, body])
  }

  test('padding: C++ 1-4 bytes and Node 0-3 bytes; unknown info block ids end the info', () => {
    assert.deepEqual(parseHeaderFrame(raw([0, 0, 0, 0, 0, 0, 0, 0], payload), MAX).payload, payload)
    assert.deepEqual(parseHeaderFrame(raw([0, 0, 1, 1, 1, 0x4b, 1, 0x76], payload), MAX).header.info, [kv('K', 'v')])
    const unknownBlock = parseHeaderFrame(raw([0, 0, 7, 3, 1, 2, 3], payload), MAX)
    assert.deepEqual(unknownBlock.header.info, [])
    assert.deepEqual(unknownBlock.payload, payload)
  })

  const code = (f: () => unknown, c: string): void => assert.throws(f, (e: { code?: string }) => e.code === c)

  test('malformed frames', () => {
    code(() => parseHeaderFrame(raw([0, 0], payload, { magic: 0x0ffe }), MAX), CodecErrorCode.BAD_HEADER)
    code(() => parseHeaderFrame(raw([0, 0], payload, { words: 1000 }), MAX), CodecErrorCode.BAD_HEADER)
    code(() => parseHeaderFrame(raw([0, 0], payload).subarray(0, 20), MAX), CodecErrorCode.BAD_HEADER)
    code(() => parseHeaderFrame(raw([0x80, 0x80, 0x80, 0x80, 0x80, 0x80], payload), MAX), CodecErrorCode.BAD_HEADER)
    code(() => parseHeaderFrame(raw([0, 0, 1, 1, 9, 0x41], payload), MAX), CodecErrorCode.BAD_HEADER)
    code(() => parseHeaderFrame(raw([0, 1, 2], payload), MAX), CodecErrorCode.BAD_TRANSFORM)
    code(() => parseHeaderFrame(raw([0, 1, 3], payload), MAX), CodecErrorCode.BAD_TRANSFORM)
    assert.throws(() => parseHeaderFrame(raw([0, 1, 2], payload), MAX), /transform 2 \(HMAC\) is not supported; only zlib \(1\) is/)
    code(() => parseHeaderFrame(raw([1, 0], payload), MAX), CodecErrorCode.NOT_IMPLEMENTED)
    code(() => parseHeaderFrame(raw([5, 0], payload), MAX), CodecErrorCode.BAD_HEADER)
    code(() => writeHeaderFrame({ flags: 0, seqid: 0, protocolId: 0, transforms: [3], info: [] }, [payload]), CodecErrorCode.BAD_TRANSFORM)
  })

  test('zip bomb: inflating is capped at maxMessageSize', () => {
    const bomb = deflateSync(Buffer.alloc(32 << 20))
    code(() => parseHeaderFrame(raw([0, 1, 1], bomb), 1 << 20), CodecErrorCode.FRAME_TOO_LARGE)
    code(() => parseHeaderFrame(raw([0, 1, 1], Buffer.from('junk')), MAX), CodecErrorCode.BAD_TRANSFORM)
  })
})

// A second, independent THeader implementation: Debian's python3-thrift, whose THeaderTransport
// writes and reads zlib (the npm library has no transforms).
const PYTHON = process.env.THRIFT_PYTHON ?? '/usr/bin/python3'
const PY_PEER = fileURLToPath(new URL('./fixtures/py-theader.py', import.meta.url))

function py(requests: object[]): Record<string, unknown>[] {
  const r = spawnSync(PYTHON, [PY_PEER], { input: requests.map((q) => JSON.stringify(q)).join('\n') + '\n', encoding: 'utf8' })
  if (r.status !== 0) {
    assert.fail(`python3-thrift peer failed (apt-get install python3-thrift, or set THRIFT_PYTHON): ${r.error?.message ?? ''}${r.stderr}`)
  }
  const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  for (const a of answers) assert.equal(a.error, undefined, `python peer: ${String(a.error)}`)
  return answers
}

describe('THeader interop with python3-thrift (zlib both ways)', () => {
  for (const protocol of [0, 2]) {
    for (const zlib of [false, true]) {
      test(`protocol ${protocol}, zlib ${zlib}: python's frames split by us; our replies read by python`, () => {
        const headers = [['X-Mixed-Case', 'VaLuE'], ['lower', 'v']]
        const reqs = [1, -7, 0x7fffffff].map((seqid) => ({
          op: 'write', protocol, zlib, flags: 1, headers, name: 'Interop:echoString', type: 1, seqid, text: `hello ${seqid}`,
        }))
        const frames = py(reqs).map((a) => Buffer.from(a.hex as string, 'hex'))
        const stream = Buffer.concat(frames)
        const whole = split([stream]).messages
        const bytes = split([...stream].map((b) => Buffer.from([b]))).messages
        assert.deepEqual(bytes.map(summarize), whole.map(summarize))
        assert.equal(whole.length, 3)
        const replies: object[] = []
        whole.forEach((m, i) => {
          assert.equal(m.dialect.transport, 'header')
          assert.equal(m.dialect.protocol, protocol === 2 ? 'compact' : 'binary')
          assert.equal(m.name, 'Interop:echoString')
          assert.equal(m.service, 'Interop')
          assert.equal(m.seqid, reqs[i]!.seqid)
          assert.equal(m.header!.seqid, reqs[i]!.seqid)
          assert.equal(m.header!.flags, 1)
          assert.deepEqual(m.header!.transforms, zlib ? [1] : [])
          assert.deepEqual(m.header!.info.map((x) => [x.key.toString(), x.value.toString()]), headers)
          const args = readStruct(m.payload, m.bodyOffset, m.dialect.protocol).value.value
          assert.equal((args[0]!.value as Buffer).toString(), `hello ${reqs[i]!.seqid}`)
          // our answers: a reply with a stored result (in the other protocol), and an exception
          const result = writeStruct(tv.struct([tv.field(0, tv.string(`re ${i}`))]), 'binary')
          replies.push({ op: 'read', hex: Buffer.concat(replyFor(m, result, 'binary')).toString('hex') })
          replies.push({
            op: 'read',
            hex: Buffer.concat(applicationExceptionFor(m, `no ${i}`, TApplicationExceptionType.INTERNAL_ERROR)).toString('hex'),
          })
          // and the request re-emitted under a new seqid, zlib re-applied
          replies.push({ op: 'read', hex: Buffer.concat(rewriteSeqid(m, 1000 + i)).toString('hex') })
        })
        const read = py(replies)
        whole.forEach((m, i) => {
          const base = { headerSeqid: m.seqid, flags: 1, protocol, headers: [] }
          assert.deepEqual(read[3 * i], { ...base, name: 'echoString', type: 2, seqid: m.seqid, fields: { '0': `re ${i}` } })
          assert.deepEqual(read[3 * i + 1], {
            ...base,
            name: 'echoString',
            type: 3,
            seqid: m.seqid,
            fields: { '1': `no ${i}`, '2': TApplicationExceptionType.INTERNAL_ERROR },
          })
          assert.deepEqual(read[3 * i + 2], {
            ...base,
            headerSeqid: 1000 + i,
            headers: [...headers].sort(),
            name: 'Interop:echoString',
            type: 1,
            seqid: 1000 + i,
            fields: { '1': `hello ${reqs[i]!.seqid}` },
          })
        })
      })
    }
  }
})
