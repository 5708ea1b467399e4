// Fast path for cache keys: is a binary-protocol struct already in canonical form (canonical.ts)?
// Generated code writes fields in id order, and most argument structs hold no sets or maps, so
// a binary client's argument bytes usually are their own canonical form: one allocation-free
// pass proves it and the bytes are used as they are, with no tree and no re-encoding.
// Any doubt (unsorted, unknown, malformed, too deep) answers "no", and the full path decides,
// including which error malformed input gets.

import { BINARY_FIXED_SIZE, BINARY_MIN_SIZE } from './binary.js'

const NO = -1
const T_BOOL = 2
const T_STRING = 11
const T_STRUCT = 12
const T_MAP = 13
const T_SET = 14
const T_LIST = 15

function valid(t: number): boolean {
  return (BINARY_MIN_SIZE[t] ?? 0) > 0
}

/** True when buf[aStart, aEnd) sorts strictly before buf[bStart, bEnd). */
function before(buf: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return buf.compare(buf, bStart, bEnd, aStart, aEnd) < 0
}

function value(buf: Buffer, pos: number, end: number, t: number, depth: number, max: number): number {
  if (t === T_BOOL) return pos < end && (buf[pos] as number) <= 1 ? pos + 1 : NO
  const fixed = BINARY_FIXED_SIZE[t] as number
  if (fixed !== 0) return pos + fixed <= end ? pos + fixed : NO
  switch (t) {
    case T_STRING: {
      if (pos + 4 > end) return NO
      const len = buf.readInt32BE(pos)
      return len >= 0 && len <= end - pos - 4 ? pos + 4 + len : NO
    }
    case T_STRUCT:
      return struct(buf, pos, end, depth + 1, max)
    case T_LIST:
    case T_SET: {
      if (depth + 1 > max || pos + 5 > end) return NO
      const et = buf[pos] as number
      const size = buf.readInt32BE(pos + 1)
      pos += 5
      if (size === 0) return et === 0 ? pos : NO
      if (size < 0 || !valid(et) || size * (BINARY_MIN_SIZE[et] as number) > end - pos) return NO
      let prev = -1
      for (let i = 0; i < size; i++) {
        const start = pos
        pos = value(buf, pos, end, et, depth + 1, max)
        if (pos === NO) return NO
        // A set must already be strictly ascending by element bytes (sorted, no duplicates).
        if (t === T_SET && prev !== NO && !before(buf, prev, start, start, pos)) return NO
        prev = start
      }
      return pos
    }
    case T_MAP: {
      if (depth + 1 > max || pos + 6 > end) return NO
      const kt = buf[pos] as number
      const vt = buf[pos + 1] as number
      const size = buf.readInt32BE(pos + 2)
      pos += 6
      if (size === 0) return kt === 0 && vt === 0 ? pos : NO
      const min = (BINARY_MIN_SIZE[kt] ?? 0) + (BINARY_MIN_SIZE[vt] ?? 0)
      if (size < 0 || !valid(kt) || !valid(vt) || size * min > end - pos) return NO
      let prevStart = NO
      let prevEnd = NO
      for (let i = 0; i < size; i++) {
        const start = pos
        pos = value(buf, pos, end, kt, depth + 1, max)
        if (pos === NO) return NO
        // Keys strictly ascending: sorted, and no repeated key to drop.
        if (prevStart !== NO && !before(buf, prevStart, prevEnd, start, pos)) return NO
        prevStart = start
        prevEnd = pos
        pos = value(buf, pos, end, vt, depth + 1, max)
        if (pos === NO) return NO
      }
      return pos
    }
    default:
      return NO
  }
}

function struct(buf: Buffer, pos: number, end: number, depth: number, max: number): number {
  if (depth > max) return NO
  let lastId = -Infinity
  for (;;) {
    if (pos >= end) return NO
    const t = buf[pos] as number
    if (t === 0) return pos + 1
    if (pos + 3 > end || !valid(t)) return NO
    const id = buf.readInt16BE(pos + 1)
    // Ids strictly ascending: sorted, and no repeated id to drop.
    if (id <= lastId) return NO
    lastId = id
    pos = value(buf, pos + 3, end, t, depth, max)
    if (pos === NO) return NO
  }
}

/** End of the binary struct at `offset` if its bytes are already canonical, else -1. */
export function canonicalBinaryEnd(buf: Buffer, offset: number, maxDepth: number): number {
  return struct(buf, offset, buf.length, 1, maxDepth)
}
