// Skips a value or struct over a complete buffer and returns where it ends, building nothing:
// the hot path for finding the end of unframed messages and for field extraction.
// Depth counts entered structs and containers; the top-level struct is depth 1.
// Every size is checked against the bytes left before being trusted (no loop over 2^31 elements).

import {
  badType,
  BINARY_FIXED_SIZE,
  BINARY_MIN_SIZE,
  checkBinaryType,
  checkContainerSize,
  checkLength,
  need,
} from './binary.js'
import {
  COMPACT_FIXED_SIZE,
  COMPACT_MIN_SIZE,
  fromCompactType,
  readVarint32,
  skipVarint,
  varintEnd,
} from './compact.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { DEFAULT_LIMITS, type TType, type Protocol } from './types.js'

// Compact type codes STOP, BOOLEAN_TRUE, BOOLEAN_FALSE.
const C_STOP = 0
const C_TRUE = 1
const C_FALSE = 2
// TType codes as module constants: V8 folds them into the switches below (hot path).
const T_I16 = 6
const T_I32 = 8
const T_I64 = 10
const T_LIST = 15
const T_MAP = 13
const T_SET = 14
const T_STOP = 0
const T_STRING = 11
const T_STRUCT = 12

export function depthError(maxDepth: number, pos: number): CodecError {
  return new CodecError(CodecErrorCode.DEPTH_LIMIT, `nesting deeper than ${maxDepth} at offset ${pos}`)
}

/** An element type of a container: any value type, or STOP when the container is empty. */
function checkElemBinary(code: number, size: number, pos: number): number {
  if (code === T_STOP && size === 0) return code
  return checkBinaryType(code, pos, 'element')
}

function binValue(buf: Buffer, pos: number, end: number, type: number, depth: number, max: number): number {
  const fixed = BINARY_FIXED_SIZE[type] as number
  if (fixed !== 0) {
    need(pos, fixed, end, 'value')
    return pos + fixed
  }
  switch (type) {
    case T_STRING: {
      need(pos, 4, end, 'string length')
      const len = buf.readInt32BE(pos)
      checkLength(len, pos + 4, end)
      return pos + 4 + len
    }
    case T_STRUCT:
      return binStruct(buf, pos, end, depth + 1, max)
    case T_LIST:
    case T_SET: {
      if (depth + 1 > max) throw depthError(max, pos)
      need(pos, 5, end, 'list header')
      const size = buf.readInt32BE(pos + 1)
      const et = checkElemBinary(buf[pos] as number, size, pos)
      pos += 5
      checkContainerSize(size, BINARY_MIN_SIZE[et] as number, pos, end, 'list')
      const ef = BINARY_FIXED_SIZE[et] as number
      if (ef !== 0) return pos + size * ef
      for (let i = 0; i < size; i++) pos = binValue(buf, pos, end, et, depth + 1, max)
      return pos
    }
    case T_MAP: {
      if (depth + 1 > max) throw depthError(max, pos)
      need(pos, 6, end, 'map header')
      const size = buf.readInt32BE(pos + 2)
      const kt = checkElemBinary(buf[pos] as number, size, pos)
      const vt = checkElemBinary(buf[pos + 1] as number, size, pos + 1)
      pos += 6
      checkContainerSize(size, (BINARY_MIN_SIZE[kt] as number) + (BINARY_MIN_SIZE[vt] as number), pos, end, 'map')
      const kf = BINARY_FIXED_SIZE[kt] as number
      const vf = BINARY_FIXED_SIZE[vt] as number
      if (kf !== 0 && vf !== 0) return pos + size * (kf + vf)
      for (let i = 0; i < size; i++) {
        pos = binValue(buf, pos, end, kt, depth + 1, max)
        pos = binValue(buf, pos, end, vt, depth + 1, max)
      }
      return pos
    }
    default:
      throw badType(type, pos, 'value')
  }
}

function binStruct(buf: Buffer, pos: number, end: number, depth: number, max: number): number {
  if (depth > max) throw depthError(max, pos)
  for (;;) {
    need(pos, 1, end, 'field header')
    const t = buf[pos] as number
    if (t === T_STOP) return pos + 1
    need(pos, 3, end, 'field header')
    checkBinaryType(t, pos, 'field')
    pos = binValue(buf, pos + 3, end, t, depth, max)
  }
}

function checkElemCompact(nibble: number, size: number, pos: number): number {
  if (nibble === C_STOP && size === 0) return T_STOP
  return fromCompactType(nibble, pos, 'element')
}

function compactValue(buf: Buffer, pos: number, end: number, type: number, depth: number, max: number): number {
  const fixed = COMPACT_FIXED_SIZE[type] as number
  if (fixed !== 0) {
    need(pos, fixed, end, 'value')
    return pos + fixed
  }
  switch (type) {
    case T_I16:
    case T_I32:
      return skipVarint(buf, pos, end, 5)
    case T_I64:
      return skipVarint(buf, pos, end, 10)
    case T_STRING: {
      const len = readVarint32(buf, pos, end)
      pos = varintEnd()
      checkLength(len, pos, end)
      return pos + len
    }
    case T_STRUCT:
      return compactStruct(buf, pos, end, depth + 1, max)
    case T_LIST:
    case T_SET: {
      if (depth + 1 > max) throw depthError(max, pos)
      need(pos, 1, end, 'list header')
      const h = buf[pos] as number
      let size = h >>> 4
      pos++
      // Sizes 0..14 live in the high nibble; 15 means a varint size follows.
      if (size === 15) {
        size = readVarint32(buf, pos, end)
        pos = varintEnd()
      }
      const et = checkElemCompact(h & 0x0f, size, pos - 1)
      checkContainerSize(size, COMPACT_MIN_SIZE[et] as number, pos, end, 'list')
      const ef = COMPACT_FIXED_SIZE[et] as number
      if (ef !== 0) return pos + size * ef
      for (let i = 0; i < size; i++) pos = compactValue(buf, pos, end, et, depth + 1, max)
      return pos
    }
    case T_MAP: {
      if (depth + 1 > max) throw depthError(max, pos)
      const size = readVarint32(buf, pos, end)
      pos = varintEnd()
      // The empty map is the single byte 0x00: no key/value type byte follows.
      if (size === 0) return pos
      need(pos, 1, end, 'map types')
      const kv = buf[pos] as number
      const kt = fromCompactType(kv >>> 4, pos, 'map key')
      const vt = fromCompactType(kv & 0x0f, pos, 'map value')
      pos++
      checkContainerSize(size, (COMPACT_MIN_SIZE[kt] as number) + (COMPACT_MIN_SIZE[vt] as number), pos, end, 'map')
      for (let i = 0; i < size; i++) {
        pos = compactValue(buf, pos, end, kt, depth + 1, max)
        pos = compactValue(buf, pos, end, vt, depth + 1, max)
      }
      return pos
    }
    default:
      throw badType(type, pos, 'value')
  }
}

function compactStruct(buf: Buffer, pos: number, end: number, depth: number, max: number): number {
  if (depth > max) throw depthError(max, pos)
  for (;;) {
    need(pos, 1, end, 'field header')
    const h = buf[pos] as number
    if (h === C_STOP) return pos + 1
    const ct = h & 0x0f
    pos++
    // Long form (delta nibble 0): the field id follows as a zigzag varint i16.
    if (h >>> 4 === 0) pos = skipVarint(buf, pos, end, 5)
    // A bool field carries its value in the type nibble: no value byte.
    if (ct === C_TRUE || ct === C_FALSE) continue
    pos = compactValue(buf, pos, end, fromCompactType(ct, pos - 1, 'field'), depth, max)
  }
}

/**
 * Offset just past the value of Thrift type `type` at `offset`. In compact, a BOOL here is the
 * one-byte container-element form (a bool field's value lives in its field header).
 */
export function skipValue(
  buf: Buffer,
  offset: number,
  type: TType,
  protocol: Protocol,
  maxDepth: number = DEFAULT_LIMITS.maxDepth,
  end: number = buf.length,
): number {
  if (protocol === 'binary') {
    checkBinaryType(type, offset, 'value')
    return binValue(buf, offset, end, type, 0, maxDepth)
  }
  if ((COMPACT_MIN_SIZE[type] ?? 0) === 0) throw badType(type, offset, 'value')
  return compactValue(buf, offset, end, type, 0, maxDepth)
}

/** Offset just past the struct (its STOP byte) at `offset`. */
export function skipStruct(
  buf: Buffer,
  offset: number,
  protocol: Protocol,
  maxDepth: number = DEFAULT_LIMITS.maxDepth,
  end: number = buf.length,
): number {
  return protocol === 'binary' ? binStruct(buf, offset, end, 1, maxDepth) : compactStruct(buf, offset, end, 1, maxDepth)
}
