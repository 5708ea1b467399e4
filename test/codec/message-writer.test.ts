import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  MessageSplitter,
  MessageType,
  TApplicationExceptionType,
  applicationExceptionFor,
  applicationExceptionIn,
  decodeApplicationException,
  encodeMessage,
  renameMessage,
  replyFor,
  rewriteSeqid,
  writeHeaderFrame,
  type Message,
  type Protocol,
} from '../../proxy/codec/index.js'
import { PIPELINE, libCase, split } from './splitter-cases.js'
import { Interop, libMessage, protocolClass, thrift, type LibProtocol } from './transport-fixtures.js'

/** Interop_add_result {0: i32 success}, hand-encoded in either protocol. */
function addResult(protocol: Protocol, n: number): Buffer {
  if (protocol === 'binary') {
    const b = Buffer.from('0800000000000000', 'hex')
    b.writeInt32BE(n, 3)
    return b
  }
  // field 0 needs the long form: 0x05 (i32), zigzag id 0, zigzag varint value, STOP
  const z = (n << 1) ^ (n >> 31)
  const v: number[] = []
  for (let x = z >>> 0; ; x >>>= 7) {
    if (x < 0x80) {
      v.push(x)
      break
    }
    v.push((x & 0x7f) | 0x80)
  }
  return Buffer.from([0x05, 0x00, ...v, 0x00])
}

/**
 * A server made of our splitter and writers only: `add` answers with a stored result (in the
 * protocol given, to exercise transcoding), `fail` with a TApplicationException.
 */
function fakeServer(storedProtocol: Protocol | 'same'): Server {
  return createServer((sock) => {
    const splitter = new MessageSplitter()
    sock.on('data', (chunk: Buffer) => {
      splitter.push(chunk, (m: Message) => {
        const args = m.payload.subarray(m.bodyOffset)
        if (m.method === 'add') {
          // args {1: i32 a, 2: i32 b}: read them the lazy way, both fields are i32 in order
          const [a, b] = m.dialect.protocol === 'binary' ? [args.readInt32BE(3), args.readInt32BE(10)] : [args[1]! >> 1, args[3]! >> 1]
          const p = storedProtocol === 'same' ? m.dialect.protocol : storedProtocol
          for (const piece of replyFor(m, addResult(p, a! + b!), p)) sock.write(piece)
        } else {
          for (const piece of applicationExceptionFor(m, `no ${m.name} here ✗`, TApplicationExceptionType.INTERNAL_ERROR)) {
            sock.write(piece)
          }
        }
      })
    })
  })
}

describe('writers: the reference client reads our replies and exceptions (loopback)', () => {
  const servers: Server[] = []
  const ports = new Map<string, number>()
  before(async () => {
    for (const stored of ['same', 'binary', 'compact'] as const) {
      const s = fakeServer(stored)
      servers.push(s)
      s.listen(0, '127.0.0.1')
      await once(s, 'listening')
      ports.set(stored, (s.address() as AddressInfo).port)
    }
  })
  after(() => {
    for (const s of servers) s.close()
  })

  const call = <T>(fn: (cb: (err: unknown, res: T) => void) => void): Promise<{ err: unknown; res: T }> =>
    new Promise((resolve) => fn((err, res) => resolve({ err, res })))

  for (const transport of ['framed', 'buffered'] as const) {
    for (const protocol of ['binary', 'binary-nonstrict', 'compact'] as const satisfies readonly LibProtocol[]) {
      for (const stored of ['same', 'binary', 'compact'] as const) {
        for (const mux of [false, true]) {
          test(`${transport} ${protocol}, result stored as ${stored}${mux ? ', multiplexed' : ''}`, { timeout: 5000 }, async () => {
            const conn = thrift.createConnection('127.0.0.1', ports.get(stored), {
              transport: transport === 'framed' ? thrift.TFramedTransport : thrift.TBufferedTransport,
              protocol: protocolClass(protocol),
            })
            conn.on('error', () => {})
            await once(conn, 'connect')
            try {
              const client = mux ? new thrift.Multiplexer().createClient('Interop', Interop, conn) : thrift.createClient(Interop, conn)
              const r = await call<number>((cb) => client.add(20, 22, cb))
              assert.equal(r.err, null)
              assert.equal(r.res, 42)
              const f = await call((cb) => client.fail(1, cb))
              assert.ok(f.err instanceof thrift.Thrift.TApplicationException, `got ${String(f.err)}`)
              const e = f.err as { type: number; message: string }
              assert.equal(e.type, TApplicationExceptionType.INTERNAL_ERROR)
              assert.equal(e.message, `no ${mux ? 'Interop:fail' : 'fail'} here ✗`)
            } finally {
              conn.end()
            }
          })
        }
      }
    }
  }
})

/** Reads one reply with the library's THeaderProtocol, as its connection does. */
function libReadHeaderReply(bytes: Buffer): { fname: string; mtype: number; rseqid: number; err?: unknown; result?: unknown } {
  let out: ReturnType<typeof libReadHeaderReply> | undefined
  thrift.TBufferedTransport.receiver((t: unknown) => {
    const p = new thrift.THeaderProtocol(t)
    const h = p.readMessageBegin()
    out = { fname: h.fname, mtype: h.mtype, rseqid: h.rseqid }
    if (h.mtype === MessageType.EXCEPTION) {
      const x = new thrift.Thrift.TApplicationException()
      x.read(p)
      out.err = x
    } else {
      p.readStructBegin()
      const f = p.readFieldBegin()
      out.result = f.fid === 0 ? p.readI32() : undefined
    }
  })(bytes)
  if (out === undefined) throw new Error('the library read nothing')
  return out
}

describe('writers: THeader replies', () => {
  for (const protocol of ['binary', 'compact'] as const) {
    test(`${protocol}: reply and exception mirror the request header; the library reads them`, () => {
      const req = split([libMessage('header', protocol, { ...PIPELINE[0]!, name: 'Interop:add', seqid: 77 }, { headers: { 'X-Req': 'Id' } })])
        .messages[0]!
      const reply = Buffer.concat(replyFor(req, addResult('binary', 5), 'binary'))
      const back = split([reply]).messages[0]!
      assert.equal(back.dialect.transport, 'header')
      assert.equal(back.dialect.protocol, protocol)
      assert.equal(back.name, 'add')
      assert.equal(back.type, MessageType.REPLY)
      assert.equal(back.seqid, 77)
      assert.equal(back.header!.seqid, 77)
      assert.equal(back.header!.protocolId, protocol === 'compact' ? 2 : 0)
      assert.deepEqual(back.header!.info, [])
      const lib = libReadHeaderReply(reply)
      assert.deepEqual({ fname: lib.fname, mtype: lib.mtype, rseqid: lib.rseqid, result: lib.result }, {
        fname: 'add',
        mtype: MessageType.REPLY,
        rseqid: 77,
        result: 5,
      })
      const exc = Buffer.concat(applicationExceptionFor(req, 'down', TApplicationExceptionType.UNKNOWN_METHOD))
      const le = libReadHeaderReply(exc)
      assert.equal(le.mtype, MessageType.EXCEPTION)
      assert.equal((le.err as { type: number }).type, TApplicationExceptionType.UNKNOWN_METHOD)
      assert.equal((le.err as { message: string }).message, 'down')
    })

    test(`${protocol}: flags and zlib are mirrored`, () => {
      const payload = libMessage('unframed', protocol, { ...PIPELINE[0]!, seqid: 9 })
      const frame = Buffer.concat(
        writeHeaderFrame({ flags: 1, seqid: 9, protocolId: protocol === 'compact' ? 2 : 0, transforms: [1], info: [] }, [payload]),
      )
      const req = split([frame]).messages[0]!
      const exc = split([Buffer.concat(applicationExceptionFor(req, 'x', TApplicationExceptionType.TIMEOUT))]).messages[0]!
      assert.equal(exc.header!.flags, 1)
      assert.deepEqual(exc.header!.transforms, [1])
      assert.equal(exc.seqid, 9)
      assert.equal(exc.name, 'echo')
      assert.deepEqual(decodeApplicationException(exc.payload, exc.bodyOffset, protocol), {
        message: 'x',
        type: TApplicationExceptionType.TIMEOUT,
      })
    })
  }
})

const SEQIDS = [0, 1, 63, 64, 127, 128, 16383, 16384, -1, -128, 0x7fffffff, -0x80000000]

describe('writers: rewriteSeqid and renameMessage keep the body bytes', () => {
  const cases = [
    ...(['framed', 'unframed'] as const).flatMap((t) =>
      (['binary', 'binary-nonstrict', 'compact'] as const).map((p) => ({ label: `${t} ${p}`, c: libCase(t, p) })),
    ),
    { label: 'header binary (info)', c: libCase('header', 'binary', PIPELINE, { 'X-Case': 'KeepMe' }) },
    { label: 'header compact (info)', c: libCase('header', 'compact', PIPELINE, { 'X-Case': 'KeepMe' }) },
    {
      label: 'header compact zlib',
      c: {
        stream: Buffer.concat(
          PIPELINE.flatMap((s) =>
            writeHeaderFrame(
              { flags: 1, seqid: s.seqid, protocolId: 2, transforms: [1], info: [{ key: Buffer.from('aB'), value: Buffer.from('Cd') }] },
              [libMessage('unframed', 'compact', s)],
            ),
          ),
        ),
      },
    },
  ]
  for (const { label, c } of cases) {
    test(label, () => {
      for (const m of split([c.stream]).messages) {
        const body = m.payload.subarray(m.bodyOffset).toString('hex')
        for (const seqid of SEQIDS) {
          const pieces = rewriteSeqid(m, seqid)
          assert.ok(pieces.some((p) => p.buffer === m.raw.buffer) || m.header?.transforms.length, 'body not copied')
          const out = split([Buffer.concat(pieces)]).messages
          assert.equal(out.length, 1)
          const n = out[0]!
          assert.equal(n.seqid, seqid)
          assert.equal(n.name, m.name)
          assert.equal(n.type, m.type)
          assert.deepEqual(n.dialect, m.dialect)
          assert.equal(n.payload.subarray(n.bodyOffset).toString('hex'), body)
          if (m.header) {
            assert.equal(n.header!.seqid, seqid)
            assert.equal(n.header!.flags, m.header.flags)
            assert.deepEqual(n.header!.transforms, m.header.transforms)
            assert.deepEqual(n.header!.info, m.header.info)
          }
          if (m.dialect.protocol === 'binary') assert.equal(n.raw.length, m.raw.length)
        }
        // seqid rewritten back: byte-identical to what came in (uncompressed dialects)
        if (!m.header?.transforms.length) assert.deepEqual(Buffer.concat(rewriteSeqid(m, m.seqid)), m.raw)
        const bare = split([Buffer.concat(renameMessage(m, m.method))]).messages[0]!
        assert.equal(bare.name, m.method)
        assert.equal(bare.seqid, m.seqid)
        assert.equal(bare.payload.subarray(bare.bodyOffset).toString('hex'), body)
        const prefixed = split([Buffer.concat(renameMessage(bare, `Svc:${m.method}`))]).messages[0]!
        assert.equal(prefixed.name, `Svc:${m.method}`)
        assert.equal(prefixed.service, m.type === 1 || m.type === 4 ? 'Svc' : undefined)
      }
    })
  }
})

describe('writers: encodeMessage', () => {
  test('transcodes a body given in the other protocol', () => {
    for (const [d, from] of [
      [{ transport: 'framed', protocol: 'compact', strict: true }, 'binary'],
      [{ transport: 'unframed', protocol: 'binary', strict: false }, 'compact'],
    ] as const) {
      const out = split([Buffer.concat(encodeMessage(d, undefined, { name: 'add', type: MessageType.REPLY, seqid: 3 }, addResult(from, -5), from))])
      const m = out.messages[0]!
      assert.deepEqual({ ...m.dialect }, d)
      assert.equal(m.payload.subarray(m.bodyOffset).toString('hex'), addResult(d.protocol, -5).toString('hex'))
    }
  })

  test('THeader without a request header gets a default one', () => {
    const d = { transport: 'header', protocol: 'compact', strict: true } as const
    const m = split([Buffer.concat(encodeMessage(d, undefined, { name: 'add', type: MessageType.CALL, seqid: 3 }, addResult('compact', 1)))])
      .messages[0]!
    assert.deepEqual(m.header, { flags: 0, seqid: 3, protocolId: 2, transforms: [], info: [] })
  })

  test('no dialect (detection failed): no reply', () => {
    assert.equal(applicationExceptionIn(undefined, undefined, 'x', 1, 'm', TApplicationExceptionType.PROTOCOL_ERROR), undefined)
  })
})
