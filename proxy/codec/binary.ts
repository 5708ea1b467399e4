// Binary protocol primitives (thrift-binary-protocol.md): big-endian fixed-width reads with
// bounds checks that raise CodecErrors, and the per-type minimum encoded sizes used to reject
// impossible container sizes before anything is allocated.

import { CodecError, CodecErrorCode } from './errors.js'
import { TType } from './types.js'

export function truncated(what: string, pos: number): CodecError {
  return new CodecError(CodecErrorCode.TRUNCATED, `truncated: ${what} at offset ${pos} runs past the end`)
}

/** Throws TRUNCATED unless `n` bytes are available at `pos` (before `end`). */
export function need(pos: number, n: number, end: number, what: string): void {
  if (pos + n > end) throw truncated(what, pos)
}

/**
 * The big-endian i32 at `pos`, which the caller has checked lies inside `buf`. Plain byte reads
 * inline into hot loops; Buffer#readInt32BE validates its argument on every call.
 */
export function i32At(buf: Uint8Array, pos: number): number {
  return ((buf[pos] as number) << 24) | ((buf[pos + 1] as number) << 16) | ((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number)
}

export function readI16(buf: Buffer, pos: number, end: number): number {
  need(pos, 2, end, 'i16')
  return buf.readInt16BE(pos)
}

export function readI32(buf: Buffer, pos: number, end: number): number {
  need(pos, 4, end, 'i32')
  return buf.readInt32BE(pos)
}

export function readI64(buf: Buffer, pos: number, end: number): bigint {
  need(pos, 8, end, 'i64')
  return buf.readBigInt64BE(pos)
}

/** The 8 raw IEEE-754 bytes as an unsigned 64-bit pattern (keeps NaN payloads and -0.0). */
export function readDoubleBits(buf: Buffer, pos: number, end: number): bigint {
  need(pos, 8, end, 'double')
  return buf.readBigUInt64BE(pos)
}

/**
 * Smallest binary-protocol encoding of a value of each type, indexed by TType code; 0 marks a
 * code the binary protocol does not define (STOP and VOID are never values).
 * string: i32 length; struct: STOP; map: key type, value type, i32 size; list/set: type, i32 size.
 */
export const BINARY_MIN_SIZE: readonly number[] = (() => {
  const t = new Array<number>(256).fill(0)
  t[TType.BOOL] = 1
  t[TType.I8] = 1
  t[TType.I16] = 2
  t[TType.I32] = 4
  t[TType.I64] = 8
  t[TType.DOUBLE] = 8
  t[TType.STRING] = 4
  t[TType.STRUCT] = 1
  t[TType.MAP] = 6
  t[TType.SET] = 5
  t[TType.LIST] = 5
  t[TType.UUID] = 16
  return t
})()

/** Encoded size of a fixed-width value in the binary protocol, or 0 when the size varies. */
export const BINARY_FIXED_SIZE: readonly number[] = (() => {
  const t = new Array<number>(256).fill(0)
  t[TType.BOOL] = 1
  t[TType.I8] = 1
  t[TType.I16] = 2
  t[TType.I32] = 4
  t[TType.I64] = 8
  t[TType.DOUBLE] = 8
  t[TType.UUID] = 16
  return t
})()

export function badType(code: number, pos: number, where: string): CodecError {
  return new CodecError(CodecErrorCode.BAD_TYPE, `unknown ${where} type code ${code} at offset ${pos}`)
}

/** A value type the binary protocol defines (STOP/VOID excluded); throws BAD_TYPE otherwise. */
export function checkBinaryType(code: number, pos: number, where: string): TType {
  if (!((BINARY_MIN_SIZE[code] ?? 0) > 0)) throw badType(code, pos, where)
  return code as TType
}

/**
 * Rejects a container size before allocating for it: negative, or more elements than the bytes
 * left could hold even at the smallest encoding (a 2^31-element list in a 20-byte message).
 */
export function checkContainerSize(size: number, minElemSize: number, pos: number, end: number, what: string): void {
  if (size < 0) throw new CodecError(CodecErrorCode.NEGATIVE_SIZE, `negative ${what} size ${size} at offset ${pos}`)
  if (size * minElemSize > end - pos) {
    throw new CodecError(
      CodecErrorCode.SIZE_LIMIT,
      `${what} of ${size} elements at offset ${pos} cannot fit in the ${end - pos} bytes left`,
    )
  }
}

/** Same check for a string/binary length in bytes. */
export function checkLength(len: number, pos: number, end: number): void {
  if (len < 0) throw new CodecError(CodecErrorCode.NEGATIVE_SIZE, `negative string length ${len} at offset ${pos}`)
  if (len > end - pos) {
    throw new CodecError(
      CodecErrorCode.SIZE_LIMIT,
      `string of ${len} bytes at offset ${pos} cannot fit in the ${end - pos} bytes left`,
    )
  }
}
