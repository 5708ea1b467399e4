// Protocol-level interop with the reference `thrift` npm library: what it encodes we decode to
// the same values (and re-encode to the same bytes); what we encode its readers decode.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createRequire } from 'node:module'
import { readStruct, writeStruct } from '../../proxy/codec/value-codec.js'
import { canonicalStruct } from '../../proxy/codec/canonical.js'
import { transcodeStruct } from '../../proxy/codec/transcode.js'
import { extractField } from '../../proxy/codec/field-path.js'
import { readEnvelope, writeEnvelope } from '../../proxy/codec/envelope.js'
import { decodeApplicationException, encodeApplicationException } from '../../proxy/codec/app-exception.js'
import { skipStruct } from '../../proxy/codec/walker.js'
import { MessageType, TApplicationExceptionType, TType, type Protocol } from '../../proxy/codec/types.js'
import { tv, type TStructValue } from '../../proxy/codec/value.js'

const require = createRequire(import.meta.url)
// Untyped CommonJS: the library's internals and the generated code have no usable types.
const thrift: any = require('thrift')
const types: any = require('../gen/interop_types.js')

const protocols: Record<Protocol, unknown> = { binary: thrift.TBinaryProtocol, compact: thrift.TCompactProtocol }

interface Writable {
  write(p: unknown): void
}

function libEncode(protocol: Protocol, write: (p: any) => void): Buffer {
  let out: Buffer | undefined
  const t = new thrift.TBufferedTransport(undefined, (b: Buffer) => (out = b))
  write(new (protocols[protocol] as any)(t))
  t.flush()
  assert.ok(out)
  return out
}

function libStruct(protocol: Protocol, obj: Writable): Buffer {
  return libEncode(protocol, (p) => obj.write(p))
}

function libRead<T>(protocol: Protocol, buf: Buffer, read: (p: any) => T): T {
  let result: T | undefined
  thrift.TBufferedTransport.receiver((t: unknown) => {
    result = read(new (protocols[protocol] as any)(t))
  })(buf)
  return result as T
}

function libDecode<T>(protocol: Protocol, buf: Buffer, Ctor: new () => T & { read(p: unknown): void }): T {
  return libRead(protocol, buf, (p) => {
    const o = new Ctor()
    o.read(p)
    return o
  })
}

/** Library objects as plain data: Int64 -> bigint, Buffer -> hex, null fields dropped. */
function plain(x: unknown): unknown {
  if (x instanceof thrift.Int64) return thrift.toBigInt(x)
  if (Buffer.isBuffer(x)) return `0x${x.toString('hex')}`
  if (Array.isArray(x)) return x.map(plain)
  if (x !== null && typeof x === 'object') {
    const o: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(x)) if (v !== null && v !== undefined) o[k] = plain(v)
    return o
  }
  return x
}

const big = 2n ** 62n + 12345n
const nonUtf8 = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3])

function fullAllTypes(): any {
  return new types.AllTypes({
    b: true,
    i8v: -128,
    i16v: -32768,
    i32v: 2147483647,
    i64v: thrift.fromBigInt(big),
    dv: 3.141592653589793,
    s: 'héllo ✓',
    bin: nonUtf8,
    color: types.Color.BLUE,
    inner: new types.Inner({ n: 7, label: 'x' }),
    li: [1, -2, 3],
    ss: ['a', 'b'],
    msi: { k: thrift.fromBigInt(-big) },
    nested: [[1, 2], [], [3]],
    mli: { 5: [new types.Inner({ n: 1 }), new types.Inner({ n: 2, label: 'two' })] },
    si64: [thrift.fromBigInt(1n), thrift.fromBigInt(-(2n ** 63n))],
    lb: [true, false, true],
    mb: { x: true, y: false },
    opt: 'present',
    ld: [0.5, -1e300],
    mbin: { key: new types.Inner({ n: 3 }) },
    b2: false,
    farId: 123456,
  })
}

/** The same value, written by hand in our model (fields in id order, as generated code writes them). */
function expectedTree(): TStructValue {
  const inner = (n: number, label?: string) =>
    tv.struct([tv.field(1, tv.i32(n)), ...(label === undefined ? [] : [tv.field(2, tv.string(label))])])
  return tv.struct([
    tv.field(1, tv.bool(true)),
    tv.field(2, tv.i8(-128)),
    tv.field(3, tv.i16(-32768)),
    tv.field(4, tv.i32(2147483647)),
    tv.field(5, tv.i64(big)),
    tv.field(6, tv.double(3.141592653589793)),
    tv.field(7, tv.string('héllo ✓')),
    tv.field(8, tv.binary(nonUtf8)),
    tv.field(9, tv.i32(3)),
    tv.field(10, inner(7, 'x')),
    tv.field(11, tv.list(TType.I32, [tv.i32(1), tv.i32(-2), tv.i32(3)])),
    tv.field(12, tv.set(TType.STRING, [tv.string('a'), tv.string('b')])),
    tv.field(13, tv.map(TType.STRING, TType.I64, [{ key: tv.string('k'), value: tv.i64(-big) }])),
    tv.field(14, tv.list(TType.LIST, [
      tv.list(TType.I32, [tv.i32(1), tv.i32(2)]),
      tv.list(TType.I32, []),
      tv.list(TType.I32, [tv.i32(3)]),
    ])),
    tv.field(15, tv.map(TType.I32, TType.LIST, [{ key: tv.i32(5), value: tv.list(TType.STRUCT, [inner(1), inner(2, 'two')]) }])),
    tv.field(16, tv.set(TType.I64, [tv.i64(1), tv.i64(-(2n ** 63n))])),
    tv.field(17, tv.list(TType.BOOL, [tv.bool(true), tv.bool(false), tv.bool(true)])),
    tv.field(18, tv.map(TType.STRING, TType.BOOL, [
      { key: tv.string('x'), value: tv.bool(true) },
      { key: tv.string('y'), value: tv.bool(false) },
    ])),
    tv.field(19, tv.string('present')),
    tv.field(20, tv.list(TType.DOUBLE, [tv.double(0.5), tv.double(-1e300)])),
    tv.field(21, tv.map(TType.STRING, TType.STRUCT, [{ key: tv.string('key'), value: inner(3) }])),
    tv.field(30, tv.bool(false)),
    tv.field(200, tv.i32(123456)),
  ])
}

describe('interop: the thrift library encodes, we decode', () => {
  for (const p of ['binary', 'compact'] as const) {
    test(`${p}: AllTypes with every field decodes to the expected tree and re-encodes byte-identically`, () => {
      const bytes = libStruct(p, fullAllTypes())
      const { value, end } = readStruct(bytes, 0, p)
      assert.equal(end, bytes.length)
      assert.equal(skipStruct(bytes, 0, p), bytes.length)
      assert.deepEqual(value, expectedTree())
      assert.deepEqual(writeStruct(value, p), bytes)
      assert.deepEqual(extractField(bytes, 0, p, [5]), tv.i64(big))
      assert.deepEqual(extractField(bytes, 0, p, [10, 2]), tv.string('x'))
      assert.deepEqual(extractField(bytes, 0, p, [200]), tv.i32(123456))
    })
    test(`${p}: optional fields absent, empty and large strings`, () => {
      const large = 'z'.repeat(200_000)
      const obj = new types.AllTypes({ s: '', bin: Buffer.alloc(0), inner: new types.Inner({ n: 1, label: large }), msi: {} })
      const bytes = libStruct(p, obj)
      const { value } = readStruct(bytes, 0, p)
      const empty = p === 'binary' ? tv.map(TType.STRING, TType.I64, []) : tv.map(TType.STOP, TType.STOP, [])
      assert.deepEqual(value, tv.struct([
        tv.field(7, tv.string('')),
        tv.field(8, tv.binary(Buffer.alloc(0))),
        tv.field(10, tv.struct([tv.field(1, tv.i32(1)), tv.field(2, tv.string(large))])),
        tv.field(13, empty),
      ]))
      assert.deepEqual(writeStruct(value, p), bytes)
    })
    test(`${p}: a declared exception struct (NotFound)`, () => {
      const bytes = libStruct(p, new types.NotFound({ what: 'user 7', code: 404 }))
      assert.deepEqual(readStruct(bytes, 0, p).value, tv.struct([tv.field(1, tv.string('user 7')), tv.field(2, tv.i32(404))]))
    })
    test(`${p}: message envelopes, multiplexed name, negative seqid`, () => {
      const bytes = libEncode(p, (proto) => {
        proto.writeMessageBegin('Interop:echo', MessageType.CALL, -5)
        new types.Inner({ n: 1 }).write(proto)
        proto.writeMessageEnd()
      })
      const env = readEnvelope(bytes, 0, p)
      assert.deepEqual([env.name, env.type, env.seqid, env.strict], ['Interop:echo', MessageType.CALL, -5, true])
      assert.equal(skipStruct(bytes, env.bodyOffset, p), bytes.length)
    })
  }

  test('the library binary and compact encodings have one canonical form; binary transcodes to its compact bytes', () => {
    const b = libStruct('binary', fullAllTypes())
    const c = libStruct('compact', fullAllTypes())
    assert.deepEqual(canonicalStruct(b, 0, 'binary'), canonicalStruct(c, 0, 'compact'))
    assert.deepEqual(transcodeStruct(b, 0, 'binary', 'compact'), c)
    assert.deepEqual(transcodeStruct(c, 0, 'compact', 'binary'), b)
  })
})

describe('interop: we encode, the thrift library decodes', () => {
  for (const p of ['binary', 'compact'] as const) {
    test(`${p}: AllTypes`, () => {
      const ours = writeStruct(expectedTree(), p)
      const decoded = plain(libDecode(p, ours, types.AllTypes))
      // Its readers see our bytes exactly as they see their own...
      assert.deepEqual(decoded, plain(libDecode(p, libStruct(p, fullAllTypes()), types.AllTypes)))
      if (p === 'binary') assert.deepEqual(decoded, plain(fullAllTypes()))
      else {
        // ...and in compact that includes a library bug: readBool on a container element tests
        // `readByte().value`, but the transport returns a plain number, so every bool element
        // reads false. Our bytes are the ones it writes itself (1 true, 2 false).
        const want = plain(fullAllTypes()) as Record<string, unknown>
        assert.deepEqual(decoded, { ...want, lb: [false, false, false], mb: { x: false, y: false } })
      }
    })
    for (const strict of [true, false]) {
      if (p === 'compact' && !strict) continue
      test(`${p}${p === 'binary' ? (strict ? ' strict' : ' old header') : ''}: TApplicationException message, every type code`, () => {
        for (const type of Object.values(TApplicationExceptionType)) {
          const msg = Buffer.concat([
            writeEnvelope(p, strict, 'getUser', MessageType.EXCEPTION, 77),
            encodeApplicationException(p, `failed ${type}`, type),
          ])
          const got = libRead(p, msg, (proto) => {
            const begin = proto.readMessageBegin()
            const x = new thrift.Thrift.TApplicationException()
            x.read(proto)
            // The old binary header is read with readBinary in this library: the name comes back as bytes.
            return { begin: { ...begin, fname: String(begin.fname) }, type: x.type, message: x.message }
          })
          assert.deepEqual(got, {
            begin: { fname: 'getUser', mtype: MessageType.EXCEPTION, rseqid: 77 },
            type,
            message: `failed ${type}`,
          })
        }
      })
    }
    test(`${p}: we decode the library's TApplicationException`, () => {
      const x = new thrift.Thrift.TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, 'no such method')
      // Library quirk: write() emits field 2 from `code`, which its constructor never sets, so a
      // plain instance goes out without a type (and decodes, correctly, as UNKNOWN).
      assert.deepEqual(decodeApplicationException(libStruct(p, x), 0, p), { message: 'no such method', type: 0 })
      x.code = x.type
      const bytes = libStruct(p, x)
      assert.deepEqual(decodeApplicationException(bytes, 0, p), { message: 'no such method', type: TApplicationExceptionType.UNKNOWN_METHOD })
    })
  }
})

/** Random AllTypes objects as the generated code takes them (any subset of fields). */
function arbAllTypes(): fc.Arbitrary<unknown> {
  const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => thrift.fromBigInt(b))
  const inner = fc.record({ n: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), label: fc.option(fc.string(), { nil: undefined }) }).map(
    (r) => new types.Inner({ ...r }),
  )
  const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
  const key = fc.string({ maxLength: 6 })
  // fast-check builds null-prototype objects; the generated code calls hasOwnProperty on them.
  const dict = <T>(k: fc.Arbitrary<string>, v: fc.Arbitrary<T>, maxKeys: number) =>
    fc.dictionary(k, v, { maxKeys }).map((d) => ({ ...d }))
  return fc
    .record(
      {
        b: fc.boolean(),
        i8v: fc.integer({ min: -128, max: 127 }),
        i16v: fc.integer({ min: -32768, max: 32767 }),
        i32v: i32,
        i64v: i64,
        dv: fc.double({ noNaN: true }),
        s: fc.string({ unit: 'grapheme', maxLength: 20 }),
        bin: fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)),
        color: fc.constantFrom(1, 2, 3),
        inner,
        li: fc.array(i32, { maxLength: 20 }),
        ss: fc.uniqueArray(key, { maxLength: 5 }),
        msi: dict(key, i64, 4),
        nested: fc.array(fc.array(i32, { maxLength: 3 }), { maxLength: 3 }),
        mli: dict(fc.integer({ min: -1000, max: 1000 }).map(String), fc.array(inner, { maxLength: 2 }), 3),
        si64: fc.array(i64, { maxLength: 3 }),
        lb: fc.array(fc.boolean(), { maxLength: 16 }),
        mb: dict(key, fc.boolean(), 3),
        opt: fc.string(),
        ld: fc.array(fc.double({ noNaN: true }), { maxLength: 3 }),
        mbin: dict(key, inner, 2),
        b2: fc.boolean(),
        farId: i32,
      },
      { requiredKeys: [] },
    )
    .map((r) => new types.AllTypes({ ...r }))
}

describe('interop: random AllTypes values encoded by the library', () => {
  test('we decode and re-encode them byte-identically; one canonical form; binary transcodes to its compact bytes', () => {
    fc.assert(
      fc.property(arbAllTypes(), (obj) => {
        const b = libStruct('binary', obj as Writable)
        const c = libStruct('compact', obj as Writable)
        for (const [p, bytes] of [['binary', b], ['compact', c]] as const) {
          const { value, end } = readStruct(bytes, 0, p)
          assert.equal(end, bytes.length)
          assert.equal(skipStruct(bytes, 0, p), bytes.length)
          assert.deepEqual(writeStruct(value, p), bytes)
        }
        assert.deepEqual(canonicalStruct(b, 0, 'binary'), canonicalStruct(c, 0, 'compact'))
        assert.deepEqual(transcodeStruct(b, 0, 'binary', 'compact'), c)
        // Its binary reader sees our compact->binary transcoding as it sees its own binary bytes.
        const ours = transcodeStruct(c, 0, 'compact', 'binary')
        assert.deepEqual(plain(libDecode('binary', ours, types.AllTypes)), plain(libDecode('binary', b, types.AllTypes)))
      }),
      { numRuns: 100 },
    )
  })
})
