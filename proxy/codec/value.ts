// The generic value model: a typed tree that any Thrift value decodes to without an IDL.
// i64 is a bigint (never rounded through number); binary/string is bytes (the wire does not
// tell them apart: both are type 11); a double keeps its 64 raw bits, so -0.0 and NaN payloads
// survive a round trip, and exposes the number for convenience. Decoded byte values are views
// into the input buffer: copy them before keeping them beyond the message.

import { TType } from './types.js'

interface Of<T extends TType, V> {
  readonly type: T
  readonly value: V
}

export type TBool = Of<typeof TType.BOOL, boolean>
export type TI8 = Of<typeof TType.I8, number>
export type TI16 = Of<typeof TType.I16, number>
export type TI32 = Of<typeof TType.I32, number>
export type TI64 = Of<typeof TType.I64, bigint>
/** `bits` (the IEEE-754 pattern, unsigned 64) is authoritative; `value` is its number. */
export interface TDouble extends Of<typeof TType.DOUBLE, number> {
  readonly bits: bigint
}
/** STRING and BINARY alike: the bytes exactly as on the wire (no UTF-8 validation). */
export type TBinary = Of<typeof TType.STRING, Buffer>
/** 16 raw bytes, in wire order (big-endian UUID). */
export type TUuid = Of<typeof TType.UUID, Buffer>
/** Fields in wire order; ids may repeat if the sender repeated them (receivers keep the last). */
export type TStructValue = Of<typeof TType.STRUCT, readonly TField[]>
export interface TListValue extends Of<typeof TType.LIST, readonly TValue[]> {
  /** STOP only for an empty container whose header named no type. */
  readonly elemType: TType
}
export interface TSetValue extends Of<typeof TType.SET, readonly TValue[]> {
  readonly elemType: TType
}
export interface TMapEntry {
  readonly key: TValue
  readonly value: TValue
}
export interface TMapValue extends Of<typeof TType.MAP, readonly TMapEntry[]> {
  /** STOP for an empty compact map: the compact empty map (0x00) carries no types. */
  readonly keyType: TType
  readonly valueType: TType
}

export type TValue =
  | TBool
  | TI8
  | TI16
  | TI32
  | TI64
  | TDouble
  | TBinary
  | TUuid
  | TStructValue
  | TListValue
  | TSetValue
  | TMapValue

/** A struct field: its id plus a typed value. */
export type TField = TValue & { readonly id: number }

const f64 = new Float64Array(1)
const u64 = new BigUint64Array(f64.buffer)

/** The IEEE-754 bit pattern of a number (NaN gives the engine's canonical NaN). */
export function doubleToBits(n: number): bigint {
  f64[0] = n
  return u64[0] as bigint
}

/** The number of a bit pattern (the number may lose a NaN payload; the bits do not). */
export function bitsToDouble(bits: bigint): number {
  u64[0] = BigInt.asUintN(64, bits)
  return f64[0] as number
}

/** Builders for tests and for code that makes values (e.g. TApplicationException). */
export const tv = {
  bool: (value: boolean): TBool => ({ type: TType.BOOL, value }),
  i8: (value: number): TI8 => ({ type: TType.I8, value }),
  i16: (value: number): TI16 => ({ type: TType.I16, value }),
  i32: (value: number): TI32 => ({ type: TType.I32, value }),
  i64: (value: bigint | number): TI64 => ({ type: TType.I64, value: BigInt(value) }),
  double: (value: number): TDouble => ({ type: TType.DOUBLE, value, bits: doubleToBits(value) }),
  doubleBits: (bits: bigint): TDouble => ({ type: TType.DOUBLE, value: bitsToDouble(bits), bits: BigInt.asUintN(64, bits) }),
  string: (s: string): TBinary => ({ type: TType.STRING, value: Buffer.from(s, 'utf8') }),
  binary: (value: Buffer): TBinary => ({ type: TType.STRING, value }),
  uuid: (value: Buffer): TUuid => ({ type: TType.UUID, value }),
  struct: (fields: readonly TField[]): TStructValue => ({ type: TType.STRUCT, value: fields }),
  field: (id: number, v: TValue): TField => ({ ...v, id }),
  list: (elemType: TType, value: readonly TValue[]): TListValue => ({ type: TType.LIST, elemType, value }),
  set: (elemType: TType, value: readonly TValue[]): TSetValue => ({ type: TType.SET, elemType, value }),
  map: (keyType: TType, valueType: TType, value: readonly TMapEntry[]): TMapValue => ({
    type: TType.MAP,
    keyType,
    valueType,
    value,
  }),
} as const

/** The field with this id (the last one, as receivers keep the last of repeated ids). */
export function getField(s: TStructValue, id: number): TField | undefined {
  for (let i = s.value.length - 1; i >= 0; i--) {
    const f = s.value[i] as TField
    if (f.id === id) return f
  }
  return undefined
}

/** A field's value without its id (so it compares equal to the value it was built from). */
export function valueOf(f: TField): TValue {
  const { id: _id, ...v } = f
  return v as TValue
}
