// Test fixtures for the transport half of the codec: Thrift messages written by the reference
// `thrift` library (generated code in test/gen) into buffers, in every transport and protocol.

import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any
export const thrift: Any = require('thrift')
export const Interop: Any = require('../gen/Interop.js')
export const ttypes: Any = require('../gen/interop_types.js')

export type LibTransport = 'framed' | 'unframed' | 'header'
export type LibProtocol = 'binary' | 'binary-nonstrict' | 'compact'
export const LIB_TRANSPORTS: readonly LibTransport[] = ['framed', 'unframed', 'header']
export const LIB_PROTOCOLS: readonly LibProtocol[] = ['binary', 'binary-nonstrict', 'compact']

// function-style: the library's MultiplexProtocol calls protocol constructors with .call()
function NonStrictBinary(this: Any, trans: unknown): void {
  thrift.TBinaryProtocol.call(this, trans, false, false)
}
NonStrictBinary.prototype = Object.create(thrift.TBinaryProtocol.prototype)
NonStrictBinary.prototype.constructor = NonStrictBinary

export function protocolClass(p: LibProtocol): Any {
  return p === 'compact' ? thrift.TCompactProtocol : p === 'binary' ? thrift.TBinaryProtocol : NonStrictBinary
}

export interface LibMessageSpec {
  readonly name: string
  readonly type: number
  readonly seqid: number
  /** Writes the body struct through the given protocol. */
  readonly body: (p: Any) => void
}

export interface HeaderOptions {
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * One message as the library writes it. Header: the generated client flushes the transport,
 * not THeaderProtocol, so it never writes the header; we drive THeaderProtocol directly.
 */
export function libMessage(transport: LibTransport, protocol: LibProtocol, m: LibMessageSpec, h: HeaderOptions = {}): Buffer {
  const out: Buffer[] = []
  const onFlush = (b: Buffer): void => {
    out.push(Buffer.from(b))
  }
  if (transport === 'header') {
    if (protocol === 'binary-nonstrict') throw new Error('the library header transport writes strict binary only')
    const trans = new thrift.TBufferedTransport(undefined, onFlush)
    trans.setProtocolId(protocol === 'compact' ? 2 : 0)
    trans.setSeqId(m.seqid)
    for (const [k, v] of Object.entries(h.headers ?? {})) trans.setWriteHeader(k, v)
    const p = new thrift.THeaderProtocol(trans)
    p.writeMessageBegin(m.name, m.type, m.seqid)
    m.body(p)
    p.writeMessageEnd()
    p.flush()
  } else {
    const T = transport === 'framed' ? thrift.TFramedTransport : thrift.TBufferedTransport
    const trans = new T(undefined, onFlush)
    const P = protocolClass(protocol)
    const p = new P(trans)
    p.writeMessageBegin(m.name, m.type, m.seqid)
    m.body(p)
    p.writeMessageEnd()
    trans.flush()
  }
  return Buffer.concat(out)
}

/** A body writer for an arbitrary generated struct instance. */
export function structBody(value: Any): (p: Any) => void {
  return (p) => value.write(p)
}

/** A fully populated AllTypes (every Thrift type the 0.17 compiler knows, nested containers). */
export function allTypes(seed = 1, binSize = 8): Any {
  const Int64 = require('node-int64')
  const inner = (n: number): Any => new ttypes.Inner({ n, label: `L${n}` })
  return new ttypes.AllTypes({
    b: seed % 2 === 0,
    i8v: seed % 100,
    i16v: -1234,
    i32v: 0x12345678 ^ seed,
    i64v: new Int64(0x1234, 0x56789abc + seed),
    dv: 3.25 * seed,
    s: `hello ${seed} ✓`,
    bin: Buffer.alloc(binSize, seed & 0xff),
    color: 2,
    inner: inner(seed),
    li: [1, -2, 300000, seed],
    ss: ['a', 'bb', `c${seed}`],
    msi: { x: new Int64(7), y: new Int64(-9) },
    nested: [[1, 2], [], [seed]],
    mli: { 1: [inner(1), inner(2)], 2: [] },
    si64: [new Int64(1), new Int64(2)],
    lb: [true, false, true],
    mb: { t: true, f: false },
    opt: seed % 3 === 0 ? undefined : 'opt',
    ld: [0.5, -1e300],
    mbin: {},
    b2: true,
    farId: 99,
  })
}

/** What a test compares of a Message: everything but object identity. */
export interface MessageSummary {
  readonly transport: string
  readonly protocol: string
  readonly strict: boolean
  readonly name: string
  readonly service: string | undefined
  readonly method: string
  readonly type: number
  readonly seqid: number
  readonly raw: string
  readonly payload: string
  readonly bodyOffset: number
  readonly header: string | undefined
}

/** Hex for small buffers; length + SHA-256 for big ones (comparing megabytes of hex is slow). */
export function fingerprint(b: Buffer): string {
  return b.length <= 4096 ? b.toString('hex') : `${b.length}:${createHash('sha256').update(b).digest('hex')}`
}

export function summarize(m: import('../../proxy/codec/index.js').Message): MessageSummary {
  return {
    transport: m.dialect.transport,
    protocol: m.dialect.protocol,
    strict: m.dialect.strict,
    name: m.name,
    service: m.service,
    method: m.method,
    type: m.type,
    seqid: m.seqid,
    raw: fingerprint(m.raw),
    payload: fingerprint(m.payload),
    bodyOffset: m.bodyOffset,
    header:
      m.header &&
      JSON.stringify({
        flags: m.header.flags,
        seqid: m.header.seqid,
        protocolId: m.header.protocolId,
        transforms: m.header.transforms,
        info: m.header.info.map((kv) => [kv.key.toString('hex'), kv.value.toString('hex')]),
      }),
  }
}
