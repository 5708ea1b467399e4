// Decodes the value model from either protocol. Checks happen in the same order as the walker's,
// so both report the same error for the same bad input and agree on where a value ends.

import { BINARY_MIN_SIZE, badType, checkBinaryType, checkContainerSize, checkLength, need } from './binary.js'
import { COMPACT_MIN_SIZE, CompactType, fromCompactType, readVarint32, readVarint64, varintEnd, zigzagToI32, zigzagToI64 } from './compact.js'
import type { TField, TMapEntry, TStructValue, TValue } from './value.js'
import { bitsToDouble } from './value.js'
import { depthError } from './walker.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { TType } from './types.js'

export interface ReadState {
  readonly buf: Buffer
  pos: number
  readonly end: number
  readonly maxDepth: number
  /**
   * Binary bool bytes other than 0/1 throw INVALID_DATA instead of reading as true: receivers
   * disagree on them (Java tests == 1; C++, Python and Node test != 0), so a cache key must not
   * equate them with either value.
   */
  readonly strictBool?: boolean
}

function elemBinary(code: number, size: number, pos: number): TType {
  if (code === TType.STOP && size === 0) return TType.STOP
  return checkBinaryType(code, pos, 'element')
}

/** Turns a freshly read value into a field in place (a spread copy costs more than the read). */
function withId(v: TValue, id: number): TField {
  ;(v as { id?: number }).id = id
  return v as TField
}

function doubleOf(bits: bigint): TValue {
  return { type: TType.DOUBLE, value: bitsToDouble(bits), bits }
}

export function readBinaryValue(r: ReadState, type: TType, depth: number): TValue {
  const { buf, end } = r
  const pos = r.pos
  switch (type) {
    case TType.BOOL: {
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      const b = buf[pos] as number
      if (b > 1 && r.strictBool === true) {
        throw new CodecError(CodecErrorCode.INVALID_DATA, `ambiguous binary bool byte ${b} at offset ${pos}`)
      }
      return { type, value: b !== 0 }
    }
    case TType.I8:
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      return { type, value: buf.readInt8(pos) }
    case TType.I16:
      need(pos, 2, end, 'value')
      r.pos = pos + 2
      return { type, value: buf.readInt16BE(pos) }
    case TType.I32:
      need(pos, 4, end, 'value')
      r.pos = pos + 4
      return { type, value: buf.readInt32BE(pos) }
    case TType.I64:
      need(pos, 8, end, 'value')
      r.pos = pos + 8
      return { type, value: buf.readBigInt64BE(pos) }
    case TType.DOUBLE:
      need(pos, 8, end, 'value')
      r.pos = pos + 8
      return doubleOf(buf.readBigUInt64BE(pos))
    case TType.UUID:
      need(pos, 16, end, 'value')
      r.pos = pos + 16
      return { type, value: buf.subarray(pos, pos + 16) }
    case TType.STRING: {
      need(pos, 4, end, 'string length')
      const len = buf.readInt32BE(pos)
      checkLength(len, pos + 4, end)
      r.pos = pos + 4 + len
      return { type, value: buf.subarray(pos + 4, pos + 4 + len) }
    }
    case TType.STRUCT:
      return readBinaryStruct(r, depth + 1)
    case TType.LIST:
    case TType.SET: {
      if (depth + 1 > r.maxDepth) throw depthError(r.maxDepth, pos)
      need(pos, 5, end, 'list header')
      const size = buf.readInt32BE(pos + 1)
      const elemType = elemBinary(buf[pos] as number, size, pos)
      r.pos = pos + 5
      checkContainerSize(size, BINARY_MIN_SIZE[elemType] as number, r.pos, end, 'list')
      const value: TValue[] = []
      for (let i = 0; i < size; i++) value.push(readBinaryValue(r, elemType, depth + 1))
      return { type, elemType, value }
    }
    case TType.MAP: {
      if (depth + 1 > r.maxDepth) throw depthError(r.maxDepth, pos)
      need(pos, 6, end, 'map header')
      const size = buf.readInt32BE(pos + 2)
      const keyType = elemBinary(buf[pos] as number, size, pos)
      const valueType = elemBinary(buf[pos + 1] as number, size, pos + 1)
      r.pos = pos + 6
      const min = (BINARY_MIN_SIZE[keyType] as number) + (BINARY_MIN_SIZE[valueType] as number)
      checkContainerSize(size, min, r.pos, end, 'map')
      const value: TMapEntry[] = []
      for (let i = 0; i < size; i++) {
        const key = readBinaryValue(r, keyType, depth + 1)
        value.push({ key, value: readBinaryValue(r, valueType, depth + 1) })
      }
      return { type, keyType, valueType, value }
    }
    default:
      throw badType(type, pos, 'value')
  }
}

export function readBinaryStruct(r: ReadState, depth: number): TStructValue {
  if (depth > r.maxDepth) throw depthError(r.maxDepth, r.pos)
  const { buf, end } = r
  const fields: TField[] = []
  for (;;) {
    const pos = r.pos
    need(pos, 1, end, 'field header')
    const t = buf[pos] as number
    if (t === TType.STOP) {
      r.pos = pos + 1
      return { type: TType.STRUCT, value: fields }
    }
    need(pos, 3, end, 'field header')
    checkBinaryType(t, pos, 'field')
    const id = buf.readInt16BE(pos + 1)
    r.pos = pos + 3
    fields.push(withId(readBinaryValue(r, t as TType, depth), id))
  }
}

function elemCompact(nibble: number, size: number, pos: number): TType {
  if (nibble === CompactType.STOP && size === 0) return TType.STOP
  return fromCompactType(nibble, pos, 'element')
}

/** A compact value in element form (a bool is one byte: 1 true, anything else false). */
export function readCompactValue(r: ReadState, type: TType, depth: number): TValue {
  const { buf, end } = r
  const pos = r.pos
  switch (type) {
    case TType.BOOL:
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      return { type, value: buf[pos] === CompactType.BOOLEAN_TRUE }
    case TType.I8:
      need(pos, 1, end, 'value')
      r.pos = pos + 1
      return { type, value: buf.readInt8(pos) }
    case TType.I16: {
      // Receivers truncate a wider zigzag value to 16 bits (Java: (short) cast); so do we.
      const v = zigzagToI32(readVarint32(buf, pos, end))
      r.pos = varintEnd()
      return { type, value: (v << 16) >> 16 }
    }
    case TType.I32: {
      const v = zigzagToI32(readVarint32(buf, pos, end))
      r.pos = varintEnd()
      return { type, value: v }
    }
    case TType.I64: {
      const v = zigzagToI64(readVarint64(buf, pos, end))
      r.pos = varintEnd()
      return { type, value: v }
    }
    case TType.DOUBLE:
      // Little-endian in compact (thrift-compact-protocol.md, "Double encoding").
      need(pos, 8, end, 'value')
      r.pos = pos + 8
      return doubleOf(buf.readBigUInt64LE(pos))
    case TType.UUID:
      need(pos, 16, end, 'value')
      r.pos = pos + 16
      return { type, value: buf.subarray(pos, pos + 16) }
    case TType.STRING: {
      const len = readVarint32(buf, pos, end)
      const at = varintEnd()
      checkLength(len, at, end)
      r.pos = at + len
      return { type, value: buf.subarray(at, at + len) }
    }
    case TType.STRUCT:
      return readCompactStruct(r, depth + 1)
    case TType.LIST:
    case TType.SET: {
      if (depth + 1 > r.maxDepth) throw depthError(r.maxDepth, pos)
      need(pos, 1, end, 'list header')
      const h = buf[pos] as number
      let size = h >>> 4
      r.pos = pos + 1
      if (size === 15) {
        size = readVarint32(buf, r.pos, end)
        r.pos = varintEnd()
      }
      const elemType = elemCompact(h & 0x0f, size, pos)
      checkContainerSize(size, COMPACT_MIN_SIZE[elemType] as number, r.pos, end, 'list')
      const value: TValue[] = []
      for (let i = 0; i < size; i++) value.push(readCompactValue(r, elemType, depth + 1))
      return { type, elemType, value }
    }
    case TType.MAP: {
      if (depth + 1 > r.maxDepth) throw depthError(r.maxDepth, pos)
      const size = readVarint32(buf, pos, end)
      r.pos = varintEnd()
      if (size === 0) return { type, keyType: TType.STOP, valueType: TType.STOP, value: [] }
      need(r.pos, 1, end, 'map types')
      const kv = buf[r.pos] as number
      const keyType = fromCompactType(kv >>> 4, r.pos, 'map key')
      const valueType = fromCompactType(kv & 0x0f, r.pos, 'map value')
      r.pos++
      const min = (COMPACT_MIN_SIZE[keyType] as number) + (COMPACT_MIN_SIZE[valueType] as number)
      checkContainerSize(size, min, r.pos, end, 'map')
      const value: TMapEntry[] = []
      for (let i = 0; i < size; i++) {
        const key = readCompactValue(r, keyType, depth + 1)
        value.push({ key, value: readCompactValue(r, valueType, depth + 1) })
      }
      return { type, keyType, valueType, value }
    }
    default:
      throw badType(type, pos, 'value')
  }
}

export function readCompactStruct(r: ReadState, depth: number): TStructValue {
  if (depth > r.maxDepth) throw depthError(r.maxDepth, r.pos)
  const { buf, end } = r
  const fields: TField[] = []
  let lastId = 0
  for (;;) {
    const pos = r.pos
    need(pos, 1, end, 'field header')
    const h = buf[pos] as number
    if (h === CompactType.STOP) {
      r.pos = pos + 1
      return { type: TType.STRUCT, value: fields }
    }
    const ct = h & 0x0f
    const delta = h >>> 4
    r.pos = pos + 1
    let id: number
    if (delta === 0) {
      id = (zigzagToI32(readVarint32(buf, r.pos, end)) << 16) >> 16
      r.pos = varintEnd()
    } else {
      id = ((lastId + delta) << 16) >> 16
    }
    lastId = id
    // Bool fields: the value is the type nibble itself, no value byte.
    if (ct === CompactType.BOOLEAN_TRUE || ct === CompactType.BOOLEAN_FALSE) {
      fields.push({ type: TType.BOOL, value: ct === CompactType.BOOLEAN_TRUE, id })
      continue
    }
    fields.push(withId(readCompactValue(r, fromCompactType(ct, pos, 'field'), depth), id))
  }
}
