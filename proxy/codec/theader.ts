// THeader frames (apache/thrift doc/specs/HeaderFormat.md; fbthrift THeader):
//   u32 length (not counting itself, <= 0x3FFFFFFF) | u16 magic 0x0FFF | u16 flags | u32 seqid |
//   u16 header length in 4-byte WORDS (the spec's "/32" is wrong) | header | payload
// header = varint protocol id, varint transform count, varint transform ids, info blocks
// (id 1 = key/value: varint count, then varint-length key and value; id 0 = padding), zero
// padding to a 4-byte boundary. C++ pads 1-4 bytes and Node 0-3: a parser accepts both.

import { deflateSync, inflateSync } from 'node:zlib'
import { CodecError, CodecErrorCode } from './errors.js'
import type { HeaderInfo, HeaderKV, Protocol } from './types.js'

export const HEADER_MAGIC = 0x0fff
/** THeader's own cap on the frame length. */
export const MAX_HEADER_FRAME = 0x3fffffff
/** length(4) + magic(2) + flags(2) + seqid(4) + header words(2). */
export const HEADER_FIXED_SIZE = 14

export const HeaderProtocolId = { BINARY: 0, JSON: 1, COMPACT: 2 } as const
export const HeaderTransform = { ZLIB: 1, HMAC: 2, SNAPPY: 3 } as const
const INFO_PADDING = 0
const INFO_KEYVALUE = 1

export interface ParsedHeaderFrame {
  readonly header: HeaderInfo
  readonly protocol: Protocol
  /** The protocol message, transforms undone (a view when there were none). */
  readonly payload: Buffer
  /** Offset in the frame where the (possibly transformed) payload starts. */
  readonly payloadOffset: number
}

/** Checks a THeader frame length before buffering it. */
export function checkHeaderFrameLength(length: number, maxMessageSize: number): number {
  if (length > maxMessageSize) {
    throw new CodecError(
      CodecErrorCode.FRAME_TOO_LARGE,
      `THeader frame length ${length} exceeds the maximum message size ${maxMessageSize}`,
    )
  }
  if (length > MAX_HEADER_FRAME) {
    throw new CodecError(CodecErrorCode.BAD_HEADER, `THeader frame length ${length} exceeds 0x3FFFFFFF`)
  }
  if (length < HEADER_FIXED_SIZE - 4) {
    throw new CodecError(CodecErrorCode.BAD_HEADER, `THeader frame length ${length} is shorter than its fixed header`)
  }
  return length
}

export function protocolIdOf(protocol: Protocol): number {
  return protocol === 'compact' ? HeaderProtocolId.COMPACT : HeaderProtocolId.BINARY
}

function protocolOfId(id: number): Protocol {
  if (id === HeaderProtocolId.BINARY) return 'binary'
  if (id === HeaderProtocolId.COMPACT) return 'compact'
  if (id === HeaderProtocolId.JSON) {
    throw new CodecError(CodecErrorCode.NOT_IMPLEMENTED, 'THeader protocol id 1 (JSON) is not supported')
  }
  throw new CodecError(CodecErrorCode.BAD_HEADER, `THeader protocol id ${id} is not a Thrift protocol`)
}

function transformName(id: number): string {
  return id === HeaderTransform.HMAC ? 'HMAC' : id === HeaderTransform.SNAPPY ? 'snappy' : 'unknown'
}

/** A bounded cursor over the header bytes; running past the end is a malformed header. */
class HeaderReader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  varint(): number {
    let v = 0
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw badHeader('a varint runs past the end of the header')
      const b = this.buf[this.pos++]!
      v += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return v
    }
    throw badHeader('varint32 longer than 5 bytes')
  }

  bytes(): Buffer {
    const n = this.varint()
    if (n > this.end - this.pos) throw badHeader(`an info string of ${n} bytes runs past the end of the header`)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }
}

/**
 * Parses one complete THeader frame (`frame` includes its 4-byte length) and undoes its
 * transforms. Info keys and values are views onto `frame`, byte-exact.
 */
export function parseHeaderFrame(frame: Buffer, maxMessageSize: number): ParsedHeaderFrame {
  if (frame.length < HEADER_FIXED_SIZE) throw badHeader(`frame of ${frame.length} bytes is shorter than its fixed header`)
  const length = checkHeaderFrameLength(frame.readUInt32BE(0), maxMessageSize)
  if (length + 4 !== frame.length) throw badHeader(`frame length ${length} does not match the ${frame.length - 4} bytes given`)
  const magic = frame.readUInt16BE(4)
  if (magic !== HEADER_MAGIC) throw badHeader(`bad magic 0x${magic.toString(16)}, expected 0x0fff`)
  const flags = frame.readUInt16BE(6)
  const seqid = frame.readInt32BE(8)
  const headerEnd = HEADER_FIXED_SIZE + frame.readUInt16BE(12) * 4
  if (headerEnd > frame.length) {
    throw badHeader(`header of ${headerEnd - HEADER_FIXED_SIZE} bytes runs past the end of the ${length}-byte frame`)
  }
  const r = new HeaderReader(frame, HEADER_FIXED_SIZE, headerEnd)
  const protocolId = r.varint()
  const protocol = protocolOfId(protocolId)
  const transformCount = r.varint()
  const transforms: number[] = []
  for (let i = 0; i < transformCount; i++) {
    const id = r.varint()
    if (id !== HeaderTransform.ZLIB) {
      throw new CodecError(
        CodecErrorCode.BAD_TRANSFORM,
        `THeader transform ${id} (${transformName(id)}) is not supported; only zlib (1) is`,
      )
    }
    transforms.push(id)
  }
  const info: HeaderKV[] = []
  while (r.pos < headerEnd) {
    const id = r.varint()
    // padding, or an info block we do not know (its length is not on the wire): stop, as C++ does
    if (id === INFO_PADDING || id !== INFO_KEYVALUE) break
    const count = r.varint()
    for (let i = 0; i < count; i++) {
      const key = r.bytes()
      info.push({ key, value: r.bytes() })
    }
  }
  let payload = frame.subarray(headerEnd)
  // transforms are listed in the order applied: undo them last to first
  for (let i = transforms.length - 1; i >= 0; i--) payload = inflatePayload(payload, maxMessageSize)
  return { header: { flags, seqid, protocolId, transforms, info }, protocol, payload, payloadOffset: headerEnd }
}

/** zlib-inflates a payload, refusing to produce more than `maxMessageSize` bytes (a zip bomb). */
export function inflatePayload(data: Buffer, maxMessageSize: number): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: Math.max(1, maxMessageSize) })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CodecError(
        CodecErrorCode.FRAME_TOO_LARGE,
        `zlib payload inflates past the maximum message size ${maxMessageSize}`,
        { cause: err },
      )
    }
    throw new CodecError(CodecErrorCode.BAD_TRANSFORM, 'THeader zlib payload does not inflate', { cause: err })
  }
}

function varintLength(v: number): number {
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

function putVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v = Math.floor(v / 128)
  }
  buf[pos++] = v
  return pos
}

/** The header section (fixed part + varint header + padding) for a payload of `payloadLength`. */
export function writeHeaderPrefix(h: HeaderInfo, payloadLength: number): Buffer {
  let n = varintLength(h.protocolId) + varintLength(h.transforms.length)
  for (const t of h.transforms) n += varintLength(t)
  if (h.info.length > 0) {
    n += varintLength(INFO_KEYVALUE) + varintLength(h.info.length)
    for (const kv of h.info) n += varintLength(kv.key.length) + kv.key.length + varintLength(kv.value.length) + kv.value.length
  }
  const words = Math.ceil(n / 4) // Node-style 0-3 bytes of padding; both C++ and Node read it
  if (words > 0xffff) throw badHeader(`header of ${n} bytes does not fit the u16 word count`)
  const out = Buffer.alloc(HEADER_FIXED_SIZE + words * 4)
  out.writeUInt32BE(HEADER_FIXED_SIZE - 4 + words * 4 + payloadLength, 0)
  out.writeUInt16BE(HEADER_MAGIC, 4)
  out.writeUInt16BE(h.flags & 0xffff, 6)
  out.writeInt32BE(h.seqid | 0, 8)
  out.writeUInt16BE(words, 12)
  let p = putVarint(out, HEADER_FIXED_SIZE, h.protocolId)
  p = putVarint(out, p, h.transforms.length)
  for (const t of h.transforms) p = putVarint(out, p, t)
  if (h.info.length > 0) {
    p = putVarint(out, p, INFO_KEYVALUE)
    p = putVarint(out, p, h.info.length)
    for (const kv of h.info) {
      p = putVarint(out, p, kv.key.length)
      p += kv.key.copy(out, p)
      p = putVarint(out, p, kv.value.length)
      p += kv.value.copy(out, p)
    }
  }
  return out
}

/**
 * A THeader frame around a protocol message given as pieces. Without transforms the pieces
 * are not copied; with zlib they are deflated (the only transform we write).
 */
export function writeHeaderFrame(h: HeaderInfo, payload: readonly Buffer[]): Buffer[] {
  let pieces: readonly Buffer[] = payload
  for (const t of h.transforms) {
    if (t !== HeaderTransform.ZLIB) {
      throw new CodecError(CodecErrorCode.BAD_TRANSFORM, `cannot write THeader transform ${t} (${transformName(t)})`)
    }
    pieces = [deflateSync(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces))]
  }
  let len = 0
  for (const p of pieces) len += p.length
  return [writeHeaderPrefix(h, len), ...pieces]
}

/** Header fields for a message we answer: same flags, protocol and transforms, our seqid, no info. */
export function replyHeader(request: HeaderInfo, seqid: number): HeaderInfo {
  return { flags: request.flags, seqid, protocolId: request.protocolId, transforms: request.transforms, info: [] }
}

/** A header for a dialect that has none yet (a message we originate over THeader). */
export function defaultHeader(protocol: Protocol, seqid: number): HeaderInfo {
  return { flags: 0, seqid, protocolId: protocolIdOf(protocol), transforms: [], info: [] }
}

function badHeader(message: string): CodecError {
  return new CodecError(CodecErrorCode.BAD_HEADER, `THeader: ${message}`)
}
