// Encodes the value model in either protocol. Container elements must have the container's
// element type: a mismatch is a BAD_TYPE CodecError, never a silently wrong encoding.

import type { ByteWriter } from './byte-writer.js'
import { CompactType, compactTypeOf, i32ToZigzag, i64ToZigzag } from './compact.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { TType, type Protocol } from './types.js'
import type { TStructValue, TValue } from './value.js'

function mismatch(expected: TType, got: TType): CodecError {
  return new CodecError(CodecErrorCode.BAD_TYPE, `container element of type ${got} where type ${expected} was declared`)
}

/** Values built at run time (not by the type checker) may carry any type code. */
function notAValue(v: never): CodecError {
  return new CodecError(CodecErrorCode.BAD_TYPE, `no value of type ${(v as { type: unknown }).type}`)
}

function checkElems(values: readonly TValue[], type: TType): void {
  for (const v of values) if (v.type !== type) throw mismatch(type, v.type)
}

function checkUuid(b: Buffer): void {
  if (b.length !== 16) throw new CodecError(CodecErrorCode.INVALID_DATA, `uuid must be 16 bytes, got ${b.length}`)
}

export function encodeBinaryValue(w: ByteWriter, v: TValue): void {
  switch (v.type) {
    case TType.BOOL:
      return w.u8(v.value ? 1 : 0)
    case TType.I8:
      return w.u8(v.value)
    case TType.I16:
      return w.i16be(v.value)
    case TType.I32:
      return w.i32be(v.value)
    case TType.I64:
      return w.i64be(v.value)
    case TType.DOUBLE:
      return w.u64be(v.bits)
    case TType.UUID:
      checkUuid(v.value)
      return w.bytes(v.value)
    case TType.STRING:
      w.i32be(v.value.length)
      return w.bytes(v.value)
    case TType.STRUCT:
      return encodeBinaryStruct(w, v)
    case TType.LIST:
    case TType.SET:
      checkElems(v.value, v.elemType)
      w.u8(v.elemType)
      w.i32be(v.value.length)
      for (const e of v.value) encodeBinaryValue(w, e)
      return
    case TType.MAP:
      w.u8(v.keyType)
      w.u8(v.valueType)
      w.i32be(v.value.length)
      for (const e of v.value) {
        if (e.key.type !== v.keyType) throw mismatch(v.keyType, e.key.type)
        if (e.value.type !== v.valueType) throw mismatch(v.valueType, e.value.type)
        encodeBinaryValue(w, e.key)
        encodeBinaryValue(w, e.value)
      }
      return
    default:
      throw notAValue(v)
  }
}

export function encodeBinaryStruct(w: ByteWriter, s: TStructValue): void {
  for (const f of s.value) {
    w.u8(f.type)
    w.i16be(f.id)
    encodeBinaryValue(w, f)
  }
  w.u8(TType.STOP)
}

/** Element form: a bool is one byte, 1 true / 2 false, as Java, C++ and the Node library write it. */
export function encodeCompactValue(w: ByteWriter, v: TValue): void {
  switch (v.type) {
    case TType.BOOL:
      return w.u8(v.value ? CompactType.BOOLEAN_TRUE : CompactType.BOOLEAN_FALSE)
    case TType.I8:
      return w.u8(v.value)
    case TType.I16:
      return w.varint32(i32ToZigzag((v.value << 16) >> 16))
    case TType.I32:
      return w.varint32(i32ToZigzag(v.value))
    case TType.I64:
      return w.varint64(i64ToZigzag(v.value))
    case TType.DOUBLE:
      return w.u64le(v.bits)
    case TType.UUID:
      checkUuid(v.value)
      return w.bytes(v.value)
    case TType.STRING:
      w.varint32(v.value.length)
      return w.bytes(v.value)
    case TType.STRUCT:
      return encodeCompactStruct(w, v)
    case TType.LIST:
    case TType.SET: {
      checkElems(v.value, v.elemType)
      const n = v.value.length
      // An empty container read with no element type (STOP) is written back the same way.
      const et = v.elemType === TType.STOP && n === 0 ? 0 : compactTypeOf(v.elemType)
      if (n < 15) w.u8((n << 4) | et)
      else {
        w.u8(0xf0 | et)
        w.varint32(n)
      }
      for (const e of v.value) encodeCompactValue(w, e)
      return
    }
    case TType.MAP:
      // The empty map is the single byte 0x00, with no key/value types.
      w.varint32(v.value.length)
      if (v.value.length === 0) return
      w.u8((compactTypeOf(v.keyType) << 4) | compactTypeOf(v.valueType))
      for (const e of v.value) {
        if (e.key.type !== v.keyType) throw mismatch(v.keyType, e.key.type)
        if (e.value.type !== v.valueType) throw mismatch(v.valueType, e.value.type)
        encodeCompactValue(w, e.key)
        encodeCompactValue(w, e.value)
      }
      return
    default:
      throw notAValue(v)
  }
}

export function encodeCompactStruct(w: ByteWriter, s: TStructValue): void {
  let lastId = 0
  for (const f of s.value) {
    const id = (f.id << 16) >> 16
    const ct = f.type === TType.BOOL ? (f.value ? CompactType.BOOLEAN_TRUE : CompactType.BOOLEAN_FALSE) : compactTypeOf(f.type)
    const delta = id - lastId
    // Short form when the id grows by 1..15 from the previous field of this struct.
    if (delta > 0 && delta <= 15) w.u8((delta << 4) | ct)
    else {
      w.u8(ct)
      w.varint32(i32ToZigzag(id))
    }
    lastId = id
    if (f.type !== TType.BOOL) encodeCompactValue(w, f)
  }
  w.u8(CompactType.STOP)
}

export function encodeValue(w: ByteWriter, v: TValue, protocol: Protocol): void {
  if (protocol === 'binary') encodeBinaryValue(w, v)
  else encodeCompactValue(w, v)
}

export function encodeStruct(w: ByteWriter, s: TStructValue, protocol: Protocol): void {
  if (protocol === 'binary') encodeBinaryStruct(w, s)
  else encodeCompactStruct(w, s)
}
