// Messages out, in a given dialect. Writers return pieces for socket.write/cork so a body is
// never copied; the envelope is rewritten in place of the old one (new seqid or name) without
// re-encoding the body. Replies the proxy makes itself follow thrift-rpc.md: the bare method
// name, the request's seqid, and the request's transport, protocol and strictness (THeader:
// the same protocol id, flags and transforms) so that any client accepts them.

import { encodeApplicationException } from './app-exception.js'
import { readEnvelope, writeEnvelope } from './envelope.js'
import { writeFramed } from './framed.js'
import {
  HEADER_FIXED_SIZE,
  defaultHeader,
  protocolIdOf,
  replyHeader,
  writeHeaderFrame,
} from './theader.js'
import { deflateSync } from 'node:zlib'
import { transcodeStruct } from './transcode.js'
import { MessageType } from './types.js'
import type { Dialect, HeaderInfo, Message, Protocol, TApplicationExceptionType } from './types.js'

export interface EnvelopeFields {
  readonly name: string
  readonly type: MessageType
  readonly seqid: number
}

/**
 * A whole message in dialect `d`: envelope, then `body` (a struct in `bodyProtocol`, by
 * default the dialect's own; transcoded when they differ). For THeader, `h` gives flags,
 * transforms and info headers (its seqid is replaced by the envelope's).
 */
export function encodeMessage(
  d: Dialect,
  h: HeaderInfo | undefined,
  env: EnvelopeFields,
  body: Buffer,
  bodyProtocol?: Protocol,
): Buffer[] {
  const b = bodyProtocol !== undefined && bodyProtocol !== d.protocol ? transcodeStruct(body, 0, bodyProtocol, d.protocol) : body
  const head = writeEnvelope(d.protocol, d.strict, env.name, env.type, env.seqid)
  return wrap(d, h, env.seqid, [head, b])
}

function wrap(d: Dialect, h: HeaderInfo | undefined, seqid: number, payload: Buffer[]): Buffer[] {
  switch (d.transport) {
    case 'unframed':
      return payload
    case 'framed':
      return writeFramed(payload)
    case 'header': {
      // the header's protocol id must name the protocol the payload is in
      const hdr: HeaderInfo =
        h === undefined ? defaultHeader(d.protocol, seqid) : { ...h, seqid, protocolId: protocolIdOf(d.protocol) }
      return writeHeaderFrame(hdr, payload)
    }
  }
}

/** A REPLY to `request` around stored result-struct bytes (transcoded if in another protocol). */
export function replyFor(request: Message, result: Buffer, resultProtocol: Protocol): Buffer[] {
  return encodeMessage(
    request.dialect,
    request.header && replyHeader(request.header, request.seqid),
    { name: request.method, type: MessageType.REPLY, seqid: request.seqid },
    result,
    resultProtocol,
  )
}

/** A TApplicationException (message type EXCEPTION) answering `request`. */
export function applicationExceptionFor(request: Message, message: string, type: TApplicationExceptionType): Buffer[] {
  return applicationExceptionIn(request.dialect, request.header, request.method, request.seqid, message, type)!
}

/**
 * A TApplicationException for a call known only in part (e.g. only its dialect, name and
 * seqid). Returns undefined when the dialect is unknown (detection failed): there is no way to
 * write a reply the peer would understand, so there is no reply.
 */
export function applicationExceptionIn(
  dialect: Dialect | undefined,
  header: HeaderInfo | undefined,
  method: string,
  seqid: number,
  message: string,
  type: TApplicationExceptionType,
): Buffer[] | undefined {
  if (dialect === undefined) return undefined
  return encodeMessage(
    dialect,
    header && replyHeader(header, seqid),
    { name: method, type: MessageType.EXCEPTION, seqid },
    encodeApplicationException(dialect.protocol, message, type),
  )
}

/** Re-emits `m` with a new seqid; the body is not re-encoded (THeader seqid rewritten too). */
export function rewriteSeqid(m: Message, seqid: number): Buffer[] {
  const env = readEnvelope(m.payload, 0, m.dialect.protocol)
  let head: Buffer
  if (m.dialect.protocol === 'binary') {
    // binary: the seqid is a fixed 4 bytes: patch a copy of the envelope
    head = Buffer.from(m.payload.subarray(0, env.bodyOffset))
    head.writeInt32BE(seqid | 0, env.seqidOffset)
  } else {
    // compact: a plain (not zigzag) varint, so its length may change
    const v = varint32(seqid)
    head = Buffer.allocUnsafe(env.bodyOffset - env.seqidLength + v.length)
    m.payload.copy(head, 0, 0, env.seqidOffset)
    v.copy(head, env.seqidOffset)
    m.payload.copy(head, env.seqidOffset + v.length, env.seqidOffset + env.seqidLength, env.bodyOffset)
  }
  return rewrap(m, seqid, [head, m.payload.subarray(env.bodyOffset)])
}

/** Re-emits `m` under another name (e.g. "Service:method" <-> "method"); the body is kept as is. */
export function renameMessage(m: Message, name: string): Buffer[] {
  const env = readEnvelope(m.payload, 0, m.dialect.protocol)
  const head = writeEnvelope(m.dialect.protocol, env.strict, name, env.type, env.seqid)
  return rewrap(m, m.seqid, [head, m.payload.subarray(env.bodyOffset)])
}

/**
 * Wraps a rewritten payload in `m`'s transport. THeader keeps the original header bytes
 * (info headers byte-exact, unknown info blocks, padding) with the length and seqid patched,
 * and re-applies zlib when the original payload was compressed.
 */
function rewrap(m: Message, seqid: number, payload: Buffer[]): Buffer[] {
  switch (m.dialect.transport) {
    case 'unframed':
      return payload
    case 'framed':
      return writeFramed(payload)
    case 'header': {
      const payloadOffset = HEADER_FIXED_SIZE + m.raw.readUInt16BE(12) * 4
      let pieces = payload
      for (let i = 0; i < (m.header?.transforms.length ?? 0); i++) pieces = [deflateSync(Buffer.concat(pieces))]
      let len = 0
      for (const p of pieces) len += p.length
      const prefix = Buffer.from(m.raw.subarray(0, payloadOffset))
      prefix.writeUInt32BE(payloadOffset - 4 + len, 0)
      prefix.writeInt32BE(seqid | 0, 8)
      return [prefix, ...pieces]
    }
  }
}

/** Compact's message seqid: a plain varint of the unsigned 32-bit value (negative: 5 bytes). */
function varint32(n: number): Buffer {
  let v = n >>> 0
  const out: number[] = []
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
  return Buffer.from(out)
}
