// Transport and protocol of a connection, decided from its first bytes.
//
// Heuristics, in order (wire facts: thrift-binary-protocol.md, thrift-compact-protocol.md,
// HeaderFormat.md):
//  1. byte 0 = 0x80: a strict binary message header `80 01 00 0T` -> unframed binary (strict).
//     No framed stream can start so: the frame length would be negative.
//  2. byte 0 = 0x82: the compact protocol id, then `(type << 5) | 1` -> unframed compact.
//  3. Otherwise bytes 0..3 are a length. Bytes 4..5 = 0F FF (THeader magic) -> THeader (its
//     protocol id is byte 14);
//     bytes 4..5 = 80 01 -> framed strict binary; byte 4 = 0x82 + a compact version byte -> framed
//     compact.
//  4. Otherwise it is the old non-strict binary header (`i32 nameLen, name, i8 type, i32 seqid`),
//     either unframed, or framed (a frame length first). Each reading is checked for
//     plausibility: a name of printable bytes, a message type 1..4 right after it, and a valid
//     field type (or STOP) starting the body; framed also needs a frame length that can hold
//     the message. The two readings cannot both hold: the framed reading makes the unframed
//     "name" start with the high bytes of a small length (zero bytes, not printable).
//  Until a reading is confirmed or all are refuted the answer is "need more bytes"; when all
//  are refuted the stream is UNKNOWN_PROTOCOL (e.g. HTTP or TLS sent to a Thrift port).

import { CodecError, CodecErrorCode } from './errors.js'
import type { Protocol, Transport } from './types.js'

export interface Detected {
  readonly transport: Transport
  readonly protocol: Protocol
  /** Binary only: whether the first message had the strict (versioned) header. */
  readonly strict: boolean
}

/** The longest method name the non-strict heuristics will wait for (longer names are refused). */
export const MAX_DETECT_NAME = 65_536

const COMPACT_PROTOCOL_ID = 0x82
const HEADER_MAGIC_HI = 0x0f
const HEADER_MAGIC_LO = 0xff

const YES = 1
const NO = 0
const MORE = -1
type Verdict = typeof YES | typeof NO | typeof MORE

function isMessageType(b: number): boolean {
  return b >= 1 && b <= 4
}

function isCompactVersionByte(b: number): boolean {
  // compact: low 5 bits = version 1, high 3 bits = message type
  return (b & 0x1f) === 1 && isMessageType(b >> 5)
}

/** Binary field type codes that may start a body (STOP included: an empty args struct). */
function isBinaryFieldType(b: number): boolean {
  return b === 0 || b === 2 || b === 3 || b === 4 || b === 6 || b === 8 || (b >= 10 && b <= 16)
}

function isNameByte(b: number): boolean {
  return (b >= 0x20 && b <= 0x7e) || b >= 0x80
}

/** Non-strict binary header at `at`: i32 nameLen, name, i8 type, i32 seqid, then the body. */
function nonStrictAt(buf: Buffer, at: number, end: number, maxName: number): Verdict {
  if (end - at < 4) return MORE
  const nameLen = buf.readInt32BE(at)
  if (nameLen < 0 || nameLen > maxName) return NO
  const nameEnd = at + 4 + nameLen
  for (let i = at + 4; i < Math.min(nameEnd, end); i++) if (!isNameByte(buf[i]!)) return NO
  if (end <= nameEnd) return MORE
  if (!isMessageType(buf[nameEnd]!)) return NO
  const bodyAt = nameEnd + 5
  if (end <= bodyAt) return MORE
  return isBinaryFieldType(buf[bodyAt]!) ? YES : NO
}

/**
 * Decides the dialect of a stream from its first bytes `buf[start, end)`.
 * Returns undefined while more bytes are needed; throws UNKNOWN_PROTOCOL for anything else.
 */
export function detectDialect(buf: Buffer, start: number, end: number, maxMessageSize: number): Detected | undefined {
  const avail = end - start
  if (avail < 1) return undefined
  const b0 = buf[start]!
  if (b0 === 0x80) {
    if (avail < 4) return undefined
    if (buf[start + 1] === 0x01 && isMessageType(buf[start + 3]!)) {
      return { transport: 'unframed', protocol: 'binary', strict: true }
    }
    throw unknown(buf, start, end)
  }
  if (b0 === COMPACT_PROTOCOL_ID) {
    if (avail < 2) return undefined
    if (isCompactVersionByte(buf[start + 1]!)) return { transport: 'unframed', protocol: 'compact', strict: true }
    throw unknown(buf, start, end)
  }
  if (avail < 6) return undefined
  const b4 = buf[start + 4]!
  const b5 = buf[start + 5]!
  if (b4 === HEADER_MAGIC_HI && b5 === HEADER_MAGIC_LO) {
    // the protocol id is the header's first varint, at byte 14 (a bad one fails when parsed)
    if (avail < 15) return undefined
    return { transport: 'header', protocol: buf[start + 14] === 2 ? 'compact' : 'binary', strict: true }
  }
  if (b4 === 0x80 && b5 === 0x01) return { transport: 'framed', protocol: 'binary', strict: true }
  if (b4 === COMPACT_PROTOCOL_ID && isCompactVersionByte(b5)) {
    return { transport: 'framed', protocol: 'compact', strict: true }
  }
  // a name that leaves no room for type, seqid and body in the limit cannot be a message
  const maxName = Math.min(MAX_DETECT_NAME, maxMessageSize - 10)
  const unframed = nonStrictAt(buf, start, end, maxName)
  if (unframed === YES) return { transport: 'unframed', protocol: 'binary', strict: false }
  let framed: Verdict = NO
  const frameLen = buf.readInt32BE(start)
  // smallest non-strict message: nameLen(4) + type(1) + seqid(4) + STOP(1)
  if (frameLen >= 10 && frameLen <= maxMessageSize) {
    framed = nonStrictAt(buf, start + 4, Math.min(end, start + 4 + frameLen), Math.min(maxName, frameLen - 10))
    if (framed === MORE && end >= start + 4 + frameLen) framed = NO
  }
  if (framed === YES) return { transport: 'framed', protocol: 'binary', strict: false }
  if (framed === NO && unframed === NO) throw unknown(buf, start, end)
  return undefined
}

function unknown(buf: Buffer, start: number, end: number): CodecError {
  const head = buf.subarray(start, Math.min(end, start + 8)).toString('hex')
  return new CodecError(
    CodecErrorCode.UNKNOWN_PROTOCOL,
    `stream does not start like Thrift (framed, unframed or THeader; binary or compact): first bytes ${head}`,
  )
}

/** Protocol of a framed payload from its first byte: compact's protocol id, else binary. */
export function protocolOfPayload(firstByte: number): Protocol {
  return firstByte === COMPACT_PROTOCOL_ID ? 'compact' : 'binary'
}
