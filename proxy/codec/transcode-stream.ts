// Binary <-> compact re-encoding straight from the wire, in wire order, without a value tree
// (a tree costs tens of bytes per value; a cached 16 MB reply must not cost a gigabyte to answer
// a client of the other protocol). Checks match the value reader's, in the same order, and the
// output is byte for byte what writeStruct(readStruct(...)) gives.

import { checkBinaryType, checkContainerSize, checkLength, need } from './binary.js'
import type { ByteWriter } from './byte-writer.js'
import {
  compactTypeOf,
  fromCompactType,
  i32ToZigzag,
  readVarint32,
  readVarint64,
  varintEnd,
  zigzagToI32,
  zigzagToI64,
} from './compact.js'
import { depthError } from './walker.js'
import { elemType, minSize, type StreamInput } from './stream-input.js'
import { badType } from './binary.js'

const T_BOOL = 2
const T_I8 = 3
const T_DOUBLE = 4
const T_I16 = 6
const T_I32 = 8
const T_I64 = 10
const T_STRING = 11
const T_STRUCT = 12
const T_MAP = 13
const T_SET = 14
const T_LIST = 15
const T_UUID = 16


/** The output's element-type code: compact nibble when writing compact (0 stays 0 when empty). */
function outType(r: StreamInput, t: number): number {
  if (r.compact) return t
  return t === 0 ? 0 : compactTypeOf(t as Parameters<typeof compactTypeOf>[0])
}

function value(r: StreamInput, t: number, depth: number, w: ByteWriter): void {
  const { buf, end } = r
  const pos = r.pos
  const toCompact = !r.compact
  switch (t) {
    case T_BOOL: {
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      const b = buf[pos] as number
      // In: compact element 1 = true, else false; binary non-zero = true. Out: 1/2 or 1/0.
      const v = r.compact ? b === 1 : b !== 0
      return w.u8(v ? 1 : toCompact ? 2 : 0)
    }
    case T_I8:
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      return w.u8(buf[pos] as number)
    case T_I16:
    case T_I32: {
      let v: number
      if (r.compact) {
        v = zigzagToI32(readVarint32(buf, pos, end))
        r.pos = varintEnd()
      } else {
        need(pos, t === T_I16 ? 2 : 4, end, 'value')
        v = t === T_I16 ? buf.readInt16BE(pos) : buf.readInt32BE(pos)
        r.pos = pos + (t === T_I16 ? 2 : 4)
      }
      if (t === T_I16) v = (v << 16) >> 16
      if (toCompact) return w.varint32(i32ToZigzag(v))
      return t === T_I16 ? w.i16be(v) : w.i32be(v)
    }
    case T_I64:
      if (r.compact) {
        const v = zigzagToI64(readVarint64(buf, pos, end))
        r.pos = varintEnd()
        return w.i64be(v)
      }
      need(pos, 8, end, 'value')
      r.pos = pos + 8
      return w.zigzagVarint64From(buf, pos)
    case T_DOUBLE:
      // Compact doubles are little-endian, binary big-endian: the bytes reverse either way.
      need(pos, 8, end, 'value')
      r.pos = pos + 8
      return w.reversed(buf, pos, 8)
    case T_UUID:
      need(pos, 16, end, 'value')
      r.pos = pos + 16
      return w.bytes(buf.subarray(pos, pos + 16))
    case T_STRING: {
      let len: number
      let at: number
      if (r.compact) {
        len = readVarint32(buf, pos, end)
        at = varintEnd()
      } else {
        need(pos, 4, end, 'string length')
        len = buf.readInt32BE(pos)
        at = pos + 4
      }
      checkLength(len, at, end)
      r.pos = at + len
      if (toCompact) w.varint32(len)
      else w.i32be(len)
      return w.bytes(buf.subarray(at, at + len))
    }
    case T_STRUCT:
      return transcodeStructFrom(r, depth + 1, w)
    case T_LIST:
    case T_SET:
      return list(r, depth, w)
    case T_MAP:
      return map(r, depth, w)
    default:
      throw badType(t, pos, 'value')
  }
}

function list(r: StreamInput, depth: number, w: ByteWriter): void {
  const { buf, end } = r
  const pos = r.pos
  if (depth + 1 > r.maxDepth) throw depthError(r.maxDepth, pos)
  let size: number
  let et: number
  if (r.compact) {
    need(pos, 1, end, 'list header')
    const h = buf[pos] as number
    size = h >>> 4
    r.pos = pos + 1
    if (size === 15) {
      size = readVarint32(buf, r.pos, end)
      r.pos = varintEnd()
    }
    et = elemType(r, h & 0x0f, size, pos)
  } else {
    need(pos, 5, end, 'list header')
    size = buf.readInt32BE(pos + 1)
    et = elemType(r, buf[pos] as number, size, pos)
    r.pos = pos + 5
  }
  checkContainerSize(size, minSize(r, et), r.pos, end, 'list')
  const ot = outType(r, et)
  if (r.compact) {
    w.u8(ot)
    w.i32be(size)
  } else if (size < 15) w.u8((size << 4) | ot)
  else {
    w.u8(0xf0 | ot)
    w.varint32(size)
  }
  for (let i = 0; i < size; i++) value(r, et, depth + 1, w)
}

function map(r: StreamInput, depth: number, w: ByteWriter): void {
  const { buf, end } = r
  const pos = r.pos
  if (depth + 1 > r.maxDepth) throw depthError(r.maxDepth, pos)
  let size: number
  let kt = 0
  let vt = 0
  if (r.compact) {
    size = readVarint32(buf, pos, end)
    r.pos = varintEnd()
    if (size !== 0) {
      need(r.pos, 1, end, 'map types')
      const kv = buf[r.pos] as number
      kt = fromCompactType(kv >>> 4, r.pos, 'map key')
      vt = fromCompactType(kv & 0x0f, r.pos, 'map value')
      r.pos++
    }
  } else {
    need(pos, 6, end, 'map header')
    size = buf.readInt32BE(pos + 2)
    kt = elemType(r, buf[pos] as number, size, pos)
    vt = elemType(r, buf[pos + 1] as number, size, pos + 1)
    r.pos = pos + 6
  }
  checkContainerSize(size, minSize(r, kt) + minSize(r, vt), r.pos, end, 'map')
  if (r.compact) {
    // The compact empty map carried no types: binary gets 0 (STOP) for both.
    w.u8(kt)
    w.u8(vt)
    w.i32be(size)
  } else {
    // The compact empty map is the single byte 0x00.
    w.varint32(size)
    if (size !== 0) w.u8((outType(r, kt) << 4) | outType(r, vt))
  }
  for (let i = 0; i < size; i++) {
    value(r, kt, depth + 1, w)
    value(r, vt, depth + 1, w)
  }
}

/** Re-encodes the struct at r.pos in the other protocol, fields in wire order. */
export function transcodeStructFrom(r: StreamInput, depth: number, w: ByteWriter): void {
  if (depth > r.maxDepth) throw depthError(r.maxDepth, r.pos)
  const { buf, end } = r
  let lastIn = 0
  let lastOut = 0
  for (;;) {
    const pos = r.pos
    need(pos, 1, end, 'field header')
    const h = buf[pos] as number
    if (h === 0) {
      r.pos = pos + 1
      return w.u8(0)
    }
    if (r.compact) {
      const ct = h & 0x0f
      const delta = h >>> 4
      r.pos = pos + 1
      let id: number
      if (delta === 0) {
        id = (zigzagToI32(readVarint32(buf, r.pos, end)) << 16) >> 16
        r.pos = varintEnd()
      } else id = ((lastIn + delta) << 16) >> 16
      lastIn = id
      const t = fromCompactType(ct, pos, 'field')
      w.u8(t)
      w.i16be(id)
      // A compact bool field's value is its type nibble: binary writes it as a value byte.
      if (ct === 1 || ct === 2) w.u8(ct === 1 ? 1 : 0)
      else value(r, t, depth, w)
    } else {
      need(pos, 3, end, 'field header')
      const t = checkBinaryType(h, pos, 'field')
      const id = buf.readInt16BE(pos + 1)
      r.pos = pos + 3
      // Compact bool fields: the value goes in the type nibble (1 true, 2 false), no value byte.
      let ct = compactTypeOf(t)
      if (t === T_BOOL) {
        need(r.pos, 1, end, 'value')
        ct = buf[r.pos] !== 0 ? 1 : 2
        r.pos++
      }
      const delta = id - lastOut
      if (delta > 0 && delta <= 15) w.u8((delta << 4) | ct)
      else {
        w.u8(ct)
        w.varint32(i32ToZigzag(id))
      }
      lastOut = id
      if (t !== T_BOOL) value(r, t, depth, w)
    }
  }
}
