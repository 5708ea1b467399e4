// Compact protocol primitives (thrift-compact-protocol.md): type-code mapping, unsigned LEB128
// varints, zigzag. Readers return the value and leave the position after it in module state
// (read it with varintEnd()) so the walker allocates nothing; all reads are synchronous.

import { badType, truncated } from './binary.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { TType } from './types.js'

/** Compact type codes (field-type nibble and element-type nibble). */
export const CompactType = {
  STOP: 0,
  BOOLEAN_TRUE: 1,
  BOOLEAN_FALSE: 2,
  I8: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
  UUID: 13,
} as const
export type CompactType = (typeof CompactType)[keyof typeof CompactType]

export const COMPACT_PROTOCOL_ID = 0x82
export const COMPACT_VERSION = 1

// -1 = not a value type. Element types: the spec names BOOL 2, while Java, C++ and the Node
// library write 1 (BOOLEAN_TRUE) for bool elements; readers accept both.
const toTType: readonly number[] = [-1, 2, 2, 3, 6, 8, 10, 4, 11, 15, 14, 13, 12, 16, -1, -1]

const toCompact: readonly number[] = (() => {
  const t = new Array<number>(256).fill(-1)
  t[TType.BOOL] = CompactType.BOOLEAN_TRUE
  t[TType.I8] = CompactType.I8
  t[TType.I16] = CompactType.I16
  t[TType.I32] = CompactType.I32
  t[TType.I64] = CompactType.I64
  t[TType.DOUBLE] = CompactType.DOUBLE
  t[TType.STRING] = CompactType.BINARY
  t[TType.LIST] = CompactType.LIST
  t[TType.SET] = CompactType.SET
  t[TType.MAP] = CompactType.MAP
  t[TType.STRUCT] = CompactType.STRUCT
  t[TType.UUID] = CompactType.UUID
  return t
})()

/** The TType of a compact type nibble (1 and 2 both mean BOOL); throws BAD_TYPE otherwise. */
export function fromCompactType(code: number, pos: number, where: string): TType {
  const t = toTType[code & 0x0f]
  if (t === undefined || t < 0) throw badType(code, pos, where)
  return t as TType
}

/** The compact code written for a TType (BOOL as 1, as the reference libraries do for elements). */
export function compactTypeOf(t: TType): number {
  const c = toCompact[t]
  if (c === undefined || c < 0) throw new CodecError(CodecErrorCode.BAD_TYPE, `type ${t} has no compact encoding`)
  return c
}

/**
 * Smallest compact encoding of a value of each TType: every varint is at least 1 byte,
 * double 8, uuid 16, struct = its STOP, map = the 0x00 of an empty map.
 */
export const COMPACT_MIN_SIZE: readonly number[] = (() => {
  const t = new Array<number>(256).fill(0)
  for (const ty of [TType.BOOL, TType.I8, TType.I16, TType.I32, TType.I64, TType.STRING]) t[ty] = 1
  for (const ty of [TType.STRUCT, TType.MAP, TType.SET, TType.LIST]) t[ty] = 1
  t[TType.DOUBLE] = 8
  t[TType.UUID] = 16
  return t
})()

/** Encoded size of a fixed-width compact value (element context), or 0 when it varies. */
export const COMPACT_FIXED_SIZE: readonly number[] = (() => {
  const t = new Array<number>(256).fill(0)
  t[TType.BOOL] = 1
  t[TType.I8] = 1
  t[TType.DOUBLE] = 8
  t[TType.UUID] = 16
  return t
})()

let end_ = 0

/** Position just past the varint that readVarint32/readVarint64 last read. */
export function varintEnd(): number {
  return end_
}

function tooLong(pos: number, max: number): CodecError {
  return new CodecError(CodecErrorCode.INVALID_DATA, `varint at offset ${pos} is longer than ${max} bytes`)
}

/** A varint of at most 5 bytes as a signed int32 (bits past 32 are dropped, as Java/C++ do). */
export function readVarint32(buf: Buffer, pos: number, end: number): number {
  let result = 0
  let shift = 0
  for (let i = pos; i < pos + 5; i++) {
    if (i >= end) throw truncated('varint', pos)
    const b = buf[i] as number
    result |= (b & 0x7f) << shift
    if (b < 0x80) {
      end_ = i + 1
      return result | 0
    }
    shift += 7
  }
  throw tooLong(pos, 5)
}

/** A varint of at most 10 bytes as an unsigned 64-bit bigint (low 64 bits). */
export function readVarint64(buf: Buffer, pos: number, end: number): bigint {
  // Three number accumulators (28 + 28 + 14 bits) and one bigint combine at the end.
  let lo = 0
  let mid = 0
  let hi = 0
  for (let i = 0; i < 10; i++) {
    const at = pos + i
    if (at >= end) throw truncated('varint', pos)
    const b = buf[at] as number
    const bits = b & 0x7f
    if (i < 4) lo |= bits << (7 * i)
    else if (i < 8) mid |= bits << (7 * (i - 4))
    else hi |= bits << (7 * (i - 8))
    if (b < 0x80) {
      end_ = at + 1
      if (i < 4) return BigInt(lo >>> 0)
      // Bits 56..63 are hi's low 8 bits; masking them keeps the value in 64 bits without
      // BigInt.asUintN. Node 20's V8 (11.3) dies in TurboFan (RepresentationChangerError: a Phi of
      // kRepTagged (UnsignedBigInt64) cannot become kRepWord64) when this function is inlined into a
      // caller doing 64-bit bigint maths (zigzagToI64) and an asUintN(64) result meets BigInt(lo) in
      // the Phi of its two returns: the fuzzer crashed the proxy that way (test/codec/v8-bigint-phi).
      return BigInt(lo >>> 0) | (BigInt(mid >>> 0) << 28n) | (BigInt(hi & 0xff) << 56n)
    }
  }
  throw tooLong(pos, 10)
}

/** Position after a varint of at most `maxBytes` bytes, without decoding it. */
export function skipVarint(buf: Buffer, pos: number, end: number, maxBytes: number): number {
  const limit = pos + maxBytes
  for (let i = pos; i < limit; i++) {
    if (i >= end) throw truncated('varint', pos)
    if ((buf[i] as number) < 0x80) return i + 1
  }
  throw tooLong(pos, maxBytes)
}

export function zigzagToI32(n: number): number {
  return (n >>> 1) ^ -(n & 1)
}

export function i32ToZigzag(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0
}

export function zigzagToI64(n: bigint): bigint {
  return BigInt.asIntN(64, (n >> 1n) ^ -(n & 1n))
}

export function i64ToZigzag(n: bigint): bigint {
  const v = BigInt.asIntN(64, n)
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
}
