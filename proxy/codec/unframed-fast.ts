// The fast path for unframed messages that lie whole inside one chunk (the common case): a plain
// walk over the chunk with no state to save. It never judges bytes: on anything it cannot
// simply step over (bytes running out, a bad type, a negative size, too deep, too big) it
// answers -1 and the caller runs the resumable UnframedScanner from the message start, which
// either finds the end across chunks or throws the precise CodecError. Each byte is walked at
// most twice (here once, then by the scanner), so splitting stays linear.

import { i32At } from './binary.js'
import type { Protocol } from './types.js'

const NONE = -1
let varintValue = 0

/** Offset after a varint of at most `max` bytes at `pos`, or -1; its value in `varintValue`. */
function varint(buf: Buffer, pos: number, end: number, max: number): number {
  let v = 0
  let mul = 1
  for (let i = 0; i < max; i++) {
    if (pos >= end) return NONE
    const b = buf[pos++]!
    v += (b & 0x7f) * mul
    if (b < 0x80) {
      varintValue = v
      return pos
    }
    mul *= 128
  }
  return NONE
}

function binaryValue(buf: Buffer, pos: number, end: number, t: number, depth: number): number {
  switch (t) {
    case 2:
    case 3:
      return pos + 1
    case 6:
      return pos + 2
    case 8:
      return pos + 4
    case 4:
    case 10:
      return pos + 8
    case 16:
      return pos + 16
    case 11: {
      if (pos + 4 > end) return NONE
      const n = i32At(buf, pos)
      return n < 0 ? NONE : pos + 4 + n
    }
    case 12:
      return binaryStruct(buf, pos, end, depth + 1)
    case 13: {
      if (pos + 6 > end || depth + 1 > maxDepthNow) return NONE
      const kt = buf[pos]!
      const vt = buf[pos + 1]!
      let n = i32At(buf, pos + 2)
      if (n < 0) return NONE
      pos += 6
      for (; n > 0 && pos >= 0 && pos < end; n--) {
        pos = binaryValue(buf, pos, end, kt, depth + 1)
        if (pos < 0) return NONE
        pos = binaryValue(buf, pos, end, vt, depth + 1)
      }
      return n === 0 ? pos : NONE
    }
    case 14:
    case 15: {
      if (pos + 5 > end || depth + 1 > maxDepthNow) return NONE
      const et = buf[pos]!
      let n = i32At(buf, pos + 1)
      if (n < 0) return NONE
      pos += 5
      for (; n > 0 && pos >= 0 && pos < end; n--) pos = binaryValue(buf, pos, end, et, depth + 1)
      return n === 0 ? pos : NONE
    }
    default:
      return NONE
  }
}

function binaryStruct(buf: Buffer, pos: number, end: number, depth: number): number {
  if (depth > maxDepthNow) return NONE
  while (pos >= 0 && pos < end) {
    const t = buf[pos]!
    if (t === 0) return pos + 1
    pos = binaryValue(buf, pos + 3, end, t, depth)
  }
  return NONE
}

function compactValue(buf: Buffer, pos: number, end: number, t: number, depth: number): number {
  switch (t) {
    case 1: // bool as a container element: one byte
    case 2:
    case 3:
      return pos + 1
    case 4:
    case 5:
    case 6:
      return varint(buf, pos, end, 10)
    case 7:
      return pos + 8
    case 13:
      return pos + 16
    case 8:
      pos = varint(buf, pos, end, 5)
      return pos < 0 || varintValue > 0x7fffffff ? NONE : pos + varintValue
    case 12:
      return compactStruct(buf, pos, end, depth + 1)
    case 9:
    case 10: {
      if (pos >= end || depth + 1 > maxDepthNow) return NONE
      const h = buf[pos++]!
      const et = h & 0x0f
      let n = h >> 4
      if (n === 15) {
        pos = varint(buf, pos, end, 5)
        if (pos < 0 || varintValue > 0x7fffffff) return NONE
        n = varintValue
      }
      for (; n > 0 && pos >= 0 && pos < end; n--) pos = compactValue(buf, pos, end, et, depth + 1)
      return n === 0 ? pos : NONE
    }
    case 11: {
      if (depth + 1 > maxDepthNow) return NONE
      pos = varint(buf, pos, end, 5)
      if (pos < 0 || varintValue > 0x7fffffff) return NONE
      let n = varintValue
      if (n === 0) return pos
      if (pos >= end) return NONE
      const kt = buf[pos]! >> 4
      const vt = buf[pos++]! & 0x0f
      for (; n > 0 && pos >= 0 && pos < end; n--) {
        pos = compactValue(buf, pos, end, kt, depth + 1)
        if (pos < 0) return NONE
        pos = compactValue(buf, pos, end, vt, depth + 1)
      }
      return n === 0 ? pos : NONE
    }
    default:
      return NONE
  }
}

function compactStruct(buf: Buffer, pos: number, end: number, depth: number): number {
  if (depth > maxDepthNow) return NONE
  while (pos >= 0 && pos < end) {
    const b = buf[pos++]!
    if (b === 0) return pos
    const t = b & 0x0f
    if (b >> 4 === 0) pos = varint(buf, pos, end, 5) // long-form field id
    if (t === 1 || t === 2) continue // bool field: the value is in the type nibble
    if (pos >= 0) pos = compactValue(buf, pos, end, t, depth)
  }
  return NONE
}

let maxDepthNow = 64

/**
 * The envelope of the message wholeMessageEnd found last (valid only after it returned >= 0):
 * walking the header to find the body is most of reading it, so the splitter need not read it
 * again. Offsets are into the buffer that was walked. `type` is as on the wire, not yet checked.
 */
export const found = { type: 0, strict: true, nameStart: 0, nameEnd: 0, seqid: 0, bodyStart: 0 }

/**
 * End of the unframed message starting at `start` if it lies whole in `buf[start, end)` and
 * within the limits; otherwise -1 (the caller then uses the resumable scanner).
 */
export function wholeMessageEnd(
  buf: Buffer,
  start: number,
  end: number,
  protocol: Protocol,
  limits: { maxDepth: number; maxMessageSize: number },
): number {
  maxDepthNow = limits.maxDepth
  let pos = start
  let bodyEnd: number
  let type: number
  let strict = true
  let nameStart: number
  let seqid = 0
  if (protocol === 'binary') {
    if (pos + 4 > end) return NONE
    const v = i32At(buf, pos)
    if (v < 0) {
      // strict: version and type, i32 name length, name, i32 seqid
      if ((v & 0xffff0000) !== (0x80010000 | 0) || pos + 8 > end) return NONE
      const n = i32At(buf, pos + 4)
      if (n < 0) return NONE
      type = v & 0xff
      nameStart = pos + 8
      pos = nameStart + n + 4
    } else {
      // old style: i32 name length, name, i8 type, i32 seqid
      strict = false
      nameStart = pos + 4
      pos = nameStart + v + 5
      type = -1 // read below, once the bytes are known to be there
    }
    bodyEnd = pos < end ? binaryStruct(buf, pos, end, 1) : NONE
  } else {
    if (pos + 2 > end || buf[pos] !== 0x82 || (buf[pos + 1]! & 0x1f) !== 1) return NONE
    type = buf[pos + 1]! >> 5
    pos = varint(buf, pos + 2, end, 5) // seqid (plain, not zigzag)
    seqid = varintValue | 0
    if (pos >= 0) pos = varint(buf, pos, end, 5) // name length
    if (pos < 0 || varintValue > 0x7fffffff) return NONE
    nameStart = pos
    pos += varintValue
    bodyEnd = pos < end ? compactStruct(buf, pos, end, 1) : NONE
  }
  if (bodyEnd < 0 || bodyEnd > end || bodyEnd - start > limits.maxMessageSize) return NONE
  // the body starts at `pos`, past the seqid, inside the message: every header byte is there
  const f = found
  if (protocol === 'binary') {
    const nameEnd = pos - (strict ? 4 : 5)
    f.nameEnd = nameEnd
    f.type = strict ? type : buf[nameEnd]!
    f.seqid = i32At(buf, pos - 4)
  } else {
    f.nameEnd = pos
    f.type = type
    f.seqid = seqid
  }
  f.strict = strict
  f.nameStart = nameStart
  f.bodyStart = pos
  return bodyEnd
}
