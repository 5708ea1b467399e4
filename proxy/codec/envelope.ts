// The message header ("envelope") in either protocol. Wire facts:
//  binary strict: i32 (0x8001 << 16 | type), i32 nameLen, name, i32 seqid
//  binary old:    i32 nameLen (>= 0), name, i8 type, i32 seqid  (the first bit tells them apart)
//  compact:       0x82, (type << 5) | 1, varint seqid (plain, not zigzag), varint nameLen, name
// Java/C++/Python read both binary forms (strictRead=false), so we do too.

import { i32At } from './binary.js'
import { ByteWriter } from './byte-writer.js'
import { COMPACT_PROTOCOL_ID, COMPACT_VERSION, readVarint32, varintEnd } from './compact.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { decodeName, nameParts, type NameParts } from './name-cache.js'
import { DEFAULT_LIMITS, MessageType, type Protocol } from './types.js'

export interface Envelope {
  /** The name as UTF-8 text ("Service:method" when multiplexed); raw bytes at nameStart..nameEnd. */
  name: string
  type: MessageType
  seqid: number
  /** Offset of the body struct. */
  bodyOffset: number
  /** Binary: the versioned (0x8001) header was used. Compact: always true (it is always versioned). */
  strict: boolean
  /** Byte offsets of the name within the buffer, and of the seqid field. */
  nameStart: number
  nameEnd: number
  seqidOffset: number
  /** 4 in binary; 1 to 5 (the varint's length) in compact. */
  seqidLength: number
}

const BINARY_VERSION_1 = 0x80010000 | 0
const BINARY_VERSION_MASK = 0xffff0000 | 0

function badVersion(msg: string): CodecError {
  return new CodecError(CodecErrorCode.BAD_VERSION, msg)
}

function checkType(t: number, pos: number): MessageType {
  if (t < MessageType.CALL || t > MessageType.ONEWAY) throw badVersion(`invalid message type ${t} at offset ${pos}`)
  return t as MessageType
}

function checkNameLength(len: number, pos: number, maxName: number): void {
  if (len < 0) throw new CodecError(CodecErrorCode.NEGATIVE_SIZE, `negative name length ${len} at offset ${pos}`)
  if (len > maxName) {
    throw new CodecError(CodecErrorCode.SIZE_LIMIT, `name length ${len} at offset ${pos} exceeds the limit ${maxName}`)
  }
}

/** Length of a complete varint (<= 5 bytes) at pos, 0 when the bytes end first (need more). */
function varintLength(buf: Buffer, pos: number, end: number): number {
  for (let i = 0; i < 5; i++) {
    if (pos + i >= end) return 0
    if ((buf[pos + i] as number) < 0x80) return i + 1
  }
  throw new CodecError(CodecErrorCode.INVALID_DATA, `varint at offset ${pos} is longer than 5 bytes`)
}

function readBinary(buf: Buffer, off: number, end: number, maxName: number): Envelope | undefined {
  if (off + 4 > end) return undefined
  const first = i32At(buf, off)
  if (first < 0) {
    if ((first & BINARY_VERSION_MASK) !== BINARY_VERSION_1) {
      throw badVersion(`bad binary protocol version 0x${(first >>> 16).toString(16)} at offset ${off}`)
    }
    // Byte 2 is unused: Java and C++ take the type from the low byte only.
    const type = checkType(first & 0xff, off)
    if (off + 8 > end) return undefined
    const len = i32At(buf, off + 4)
    checkNameLength(len, off + 4, maxName)
    const nameStart = off + 8
    const nameEnd = nameStart + len
    if (nameEnd + 4 > end) return undefined
    return {
      name: decodeName(buf, nameStart, nameEnd),
      type,
      seqid: i32At(buf, nameEnd),
      bodyOffset: nameEnd + 4,
      strict: true,
      nameStart,
      nameEnd,
      seqidOffset: nameEnd,
      seqidLength: 4,
    }
  }
  checkNameLength(first, off, maxName)
  const nameStart = off + 4
  const nameEnd = nameStart + first
  if (nameEnd + 5 > end) return undefined
  const type = checkType(buf[nameEnd] as number, nameEnd)
  return {
    name: decodeName(buf, nameStart, nameEnd),
    type,
    seqid: i32At(buf, nameEnd + 1),
    bodyOffset: nameEnd + 5,
    strict: false,
    nameStart,
    nameEnd,
    seqidOffset: nameEnd + 1,
    seqidLength: 4,
  }
}

function readCompact(buf: Buffer, off: number, end: number, maxName: number): Envelope | undefined {
  if (off + 1 > end) return undefined
  const id = buf[off] as number
  if (id !== COMPACT_PROTOCOL_ID) throw badVersion(`bad compact protocol id 0x${id.toString(16)} at offset ${off}`)
  if (off + 2 > end) return undefined
  const vt = buf[off + 1] as number
  if ((vt & 0x1f) !== COMPACT_VERSION) throw badVersion(`bad compact version ${vt & 0x1f} at offset ${off + 1}`)
  const type = checkType(vt >>> 5, off + 1)
  const seqidOffset = off + 2
  const seqidLength = varintLength(buf, seqidOffset, end)
  if (seqidLength === 0) return undefined
  const seqid = readVarint32(buf, seqidOffset, end)
  const lenAt = seqidOffset + seqidLength
  if (varintLength(buf, lenAt, end) === 0) return undefined
  const len = readVarint32(buf, lenAt, end)
  checkNameLength(len, lenAt, maxName)
  const nameStart = varintEnd()
  const nameEnd = nameStart + len
  if (nameEnd > end) return undefined
  return {
    name: decodeName(buf, nameStart, nameEnd),
    type,
    seqid,
    bodyOffset: nameEnd,
    strict: true,
    nameStart,
    nameEnd,
    seqidOffset,
    seqidLength,
  }
}

/**
 * Reads an envelope from bytes that may still be arriving: undefined means "need more bytes".
 * Invalid headers throw at once, and a name longer than `maxNameLength` (default: the max
 * message size) throws SIZE_LIMIT instead of waiting for bytes that must never be buffered.
 */
export function tryReadEnvelope(
  buf: Buffer,
  offset: number,
  end: number,
  protocol: Protocol,
  maxNameLength: number = DEFAULT_LIMITS.maxMessageSize,
): Envelope | undefined {
  const stop = Math.min(end, buf.length)
  return protocol === 'binary'
    ? readBinary(buf, offset, stop, maxNameLength)
    : readCompact(buf, offset, stop, maxNameLength)
}

/** Reads an envelope from a complete message; throws TRUNCATED if `buf` ends inside it. */
export function readEnvelope(buf: Buffer, offset: number, protocol: Protocol): Envelope {
  const env = tryReadEnvelope(buf, offset, buf.length, protocol)
  if (env === undefined) {
    throw new CodecError(CodecErrorCode.TRUNCATED, `truncated: message header at offset ${offset} runs past the end`)
  }
  return env
}

/** Encodes an envelope; `strict` selects the binary header form (compact has only one). */
export function writeEnvelope(protocol: Protocol, strict: boolean, name: string, type: MessageType, seqid: number): Buffer {
  const nameLen = Buffer.byteLength(name, 'utf8')
  const w = new ByteWriter(nameLen + 16)
  if (protocol === 'compact') {
    w.u8(COMPACT_PROTOCOL_ID)
    w.u8((type << 5) | COMPACT_VERSION)
    w.varint32(seqid)
    w.varint32(nameLen)
    w.utf8(name)
  } else if (strict) {
    w.i32be(BINARY_VERSION_1 | type)
    w.i32be(nameLen)
    w.utf8(name)
    w.i32be(seqid)
  } else {
    w.i32be(nameLen)
    w.utf8(name)
    w.u8(type)
    w.i32be(seqid)
  }
  return w.finish()
}

/** Multiplexed names: CALL/ONEWAY carry "Service:method", split at the first ':'. */
export function splitName(name: string, type: MessageType): NameParts {
  // cached with the name (name-cache.ts): the result is shared, never modify it
  if (type === MessageType.CALL || type === MessageType.ONEWAY) return nameParts(name)
  return { service: undefined, method: name }
}
