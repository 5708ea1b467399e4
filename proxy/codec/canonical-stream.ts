// Canonical bytes (canonical.ts) written straight from the wire, without building the value tree:
// a client's argument struct can be as large as a message, and a tree costs tens of bytes per
// value, so a 16 MB list<i8> would otherwise cost gigabytes. Lists are copied element by element;
// only set elements, map entries and out-of-order struct fields are reordered, through number
// arrays of their offsets in the output. Checks match the value reader's, in the same order.

import { checkBinaryType, checkContainerSize, checkLength, need } from './binary.js'
import type { ByteWriter } from './byte-writer.js'
import { fromCompactType, readVarint32, readVarint64, varintEnd, zigzagToI32, zigzagToI64 } from './compact.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { depthError } from './walker.js'
import { elemType, minSize, type StreamInput } from './stream-input.js'

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


/** Index order of ranges [starts[i], keyEnds[i]) by bytes, then arrival; repeated keys keep the last. */
function orderByBytes(region: Buffer, starts: number[], keyEnds: number[]): number[] {
  const idx = starts.map((_, i) => i)
  idx.sort(
    (a, b) =>
      region.compare(region, starts[b] as number, keyEnds[b] as number, starts[a] as number, keyEnds[a] as number) || a - b,
  )
  const kept: number[] = []
  for (let i = 0; i < idx.length; i++) {
    const a = idx[i] as number
    const b = idx[i + 1]
    if (b !== undefined && region.compare(region, starts[b] as number, keyEnds[b] as number, starts[a] as number, keyEnds[a] as number) === 0) continue
    kept.push(a)
  }
  return kept
}

/** Rewrites the output from `start` as the kept ranges, in order; returns how many were kept. */
function rewrite(w: ByteWriter, start: number, starts: number[], keyEnds: number[], ends: number[], byId: boolean, ids: number[]): number {
  const region = w.copyOut(start, w.length)
  const rel = (xs: number[]) => xs.map((x) => x - start)
  const s = rel(starts)
  const e = rel(ends)
  let kept: number[]
  if (byId) {
    const idx = ids.map((_, i) => i).sort((a, b) => (ids[a] as number) - (ids[b] as number) || a - b)
    kept = idx.filter((a, i) => idx[i + 1] === undefined || ids[idx[i + 1] as number] !== ids[a])
  } else kept = orderByBytes(region, s, rel(keyEnds))
  w.truncate(start)
  for (const i of kept) w.bytes(region.subarray(s[i], e[i]))
  return kept.length
}

function value(r: StreamInput, t: number, depth: number, w: ByteWriter): void {
  const { buf, end } = r
  const pos = r.pos
  switch (t) {
    case T_BOOL: {
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      const b = buf[pos] as number
      // Compact elements: 1 is true, anything else false. Binary: see value-reader strictBool.
      if (r.compact) return w.u8(b === 1 ? 1 : 0)
      if (b > 1) throw new CodecError(CodecErrorCode.INVALID_DATA, `ambiguous binary bool byte ${b} at offset ${pos}`)
      return w.u8(b)
    }
    case T_I8:
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      return w.u8(buf[pos] as number)
    case T_I16:
    case T_I32:
      if (r.compact) {
        const v = zigzagToI32(readVarint32(buf, pos, end))
        r.pos = varintEnd()
        return t === T_I16 ? w.i16be(v) : w.i32be(v)
      }
      need(pos, t === T_I16 ? 2 : 4, end, 'value')
      r.pos = pos + (t === T_I16 ? 2 : 4)
      return w.bytes(buf.subarray(pos, r.pos))
    case T_I64:
      if (r.compact) {
        const v = zigzagToI64(readVarint64(buf, pos, end))
        r.pos = varintEnd()
        return w.i64be(v)
      }
      need(pos, 8, end, 'value')
      r.pos = pos + 8
      return w.bytes(buf.subarray(pos, pos + 8))
    case T_DOUBLE:
      need(pos, 8, end, 'value')
      r.pos = pos + 8
      // Compact doubles are little-endian: reverse into the binary (big-endian) order.
      if (r.compact) return w.reversed(buf, pos, 8)
      return w.bytes(buf.subarray(pos, pos + 8))
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
      w.i32be(len)
      return w.bytes(buf.subarray(at, at + len))
    }
    case T_STRUCT:
      return canonStructFrom(r, depth + 1, w)
    case T_LIST:
    case T_SET:
      return list(r, t, depth, w)
    case T_MAP:
      return map(r, depth, w)
    default:
      throw new CodecError(CodecErrorCode.BAD_TYPE, `unknown value type code ${t} at offset ${pos}`)
  }
}

function list(r: StreamInput, t: number, depth: number, w: ByteWriter): void {
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
  w.u8(size === 0 ? 0 : et)
  const countAt = w.length
  w.i32be(size)
  if (t === T_LIST || size <= 1) {
    for (let i = 0; i < size; i++) value(r, et, depth + 1, w)
    return
  }
  const starts: number[] = []
  const ends: number[] = []
  for (let i = 0; i < size; i++) {
    starts.push(w.length)
    value(r, et, depth + 1, w)
    ends.push(w.length)
  }
  w.patchI32(countAt, rewrite(w, countAt + 4, starts, ends, ends, false, []))
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
      // The compact empty map (0x00) has no type byte.
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
  w.u8(size === 0 ? 0 : kt)
  w.u8(size === 0 ? 0 : vt)
  const countAt = w.length
  w.i32be(size)
  const starts: number[] = []
  const keyEnds: number[] = []
  const ends: number[] = []
  for (let i = 0; i < size; i++) {
    starts.push(w.length)
    value(r, kt, depth + 1, w)
    keyEnds.push(w.length)
    value(r, vt, depth + 1, w)
    ends.push(w.length)
  }
  if (size > 1) w.patchI32(countAt, rewrite(w, countAt + 4, starts, keyEnds, ends, false, []))
}

/** Writes the canonical bytes of the struct at r.pos (fields by id, last of a repeated id). */
export function canonStructFrom(r: StreamInput, depth: number, w: ByteWriter): void {
  if (depth > r.maxDepth) throw depthError(r.maxDepth, r.pos)
  const { buf, end } = r
  const start = w.length
  const ids: number[] = []
  const starts: number[] = []
  const ends: number[] = []
  let ordered = true
  let lastId = 0
  for (;;) {
    const pos = r.pos
    need(pos, 1, end, 'field header')
    const h = buf[pos] as number
    if (h === 0) {
      r.pos = pos + 1
      break
    }
    let t: number
    let id: number
    let bool = -1
    if (r.compact) {
      const ct = h & 0x0f
      const delta = h >>> 4
      r.pos = pos + 1
      if (delta === 0) {
        id = (zigzagToI32(readVarint32(buf, r.pos, end)) << 16) >> 16
        r.pos = varintEnd()
      } else id = ((lastId + delta) << 16) >> 16
      lastId = id
      // Compact bool fields carry the value in the type nibble (1 true, 2 false).
      if (ct === 1 || ct === 2) bool = ct === 1 ? 1 : 0
      t = fromCompactType(ct, pos, 'field')
    } else {
      need(pos, 3, end, 'field header')
      t = checkBinaryType(h, pos, 'field')
      id = buf.readInt16BE(pos + 1)
      r.pos = pos + 3
    }
    if (ids.length > 0 && id <= (ids[ids.length - 1] as number)) ordered = false
    ids.push(id)
    starts.push(w.length)
    w.u8(t)
    w.i16be(id)
    if (bool >= 0) w.u8(bool)
    else value(r, t, depth, w)
    ends.push(w.length)
  }
  if (!ordered) rewrite(w, start, starts, ends, ends, true, ids)
  w.u8(0)
}
