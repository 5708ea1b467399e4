// Reads and writes the value model (value.ts) in either protocol, over complete buffers.

import { badType, checkBinaryType } from './binary.js'
import { ByteWriter } from './byte-writer.js'
import { COMPACT_MIN_SIZE } from './compact.js'
import { DEFAULT_LIMITS, type CodecLimits, type Protocol, type TType } from './types.js'
import type { TStructValue, TValue } from './value.js'
import { readBinaryStruct, readBinaryValue, readCompactStruct, readCompactValue, type ReadState } from './value-reader.js'
import { encodeStruct, encodeValue } from './value-writer.js'

export { encodeStruct, encodeValue } from './value-writer.js'

function state(buf: Buffer, offset: number, limits: Partial<CodecLimits> | undefined): ReadState {
  return { buf, pos: offset, end: buf.length, maxDepth: limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth }
}

/** Decodes the struct at `offset`; `end` is the offset just past its STOP. */
export function readStruct(
  buf: Buffer,
  offset: number,
  protocol: Protocol,
  limits?: Partial<CodecLimits>,
): { value: TStructValue; end: number } {
  const r = state(buf, offset, limits)
  const value = protocol === 'binary' ? readBinaryStruct(r, 1) : readCompactStruct(r, 1)
  return { value, end: r.pos }
}

/** Decodes one value of `type` (in compact, a BOOL is the one-byte element form). */
export function readValue(
  buf: Buffer,
  offset: number,
  type: TType,
  protocol: Protocol,
  limits?: Partial<CodecLimits>,
): { value: TValue; end: number } {
  const r = state(buf, offset, limits)
  let value: TValue
  if (protocol === 'binary') {
    value = readBinaryValue(r, checkBinaryType(type, offset, 'value'), 0)
  } else {
    if ((COMPACT_MIN_SIZE[type] ?? 0) === 0) throw badType(type, offset, 'value')
    value = readCompactValue(r, type, 0)
  }
  return { value, end: r.pos }
}

export function writeStruct(v: TStructValue, protocol: Protocol): Buffer {
  const w = new ByteWriter()
  encodeStruct(w, v, protocol)
  return w.finish()
}

/** Encodes one value (in compact, a BOOL in the one-byte element form). */
export function writeValue(v: TValue, protocol: Protocol): Buffer {
  const w = new ByteWriter()
  encodeValue(w, v, protocol)
  return w.finish()
}
