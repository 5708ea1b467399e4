// Framed transport: a 4-byte big-endian length that does not count itself, then one message
// (apache/thrift TFramedTransport; the reference libraries cap a frame at 16,384,000 bytes).

import { CodecError, CodecErrorCode } from './errors.js'

/** Bytes of the frame length prefix. */
export const FRAME_PREFIX_SIZE = 4

/**
 * Validates a frame length read from the wire against the limit, before any of the frame is
 * buffered: an oversized frame is rejected from its 4 length bytes alone.
 */
export function checkFrameLength(length: number, maxMessageSize: number, what = 'frame'): number {
  if (length < 0) {
    throw new CodecError(CodecErrorCode.NEGATIVE_SIZE, `${what} length ${length} is negative`)
  }
  if (length > maxMessageSize) {
    throw new CodecError(
      CodecErrorCode.FRAME_TOO_LARGE,
      `${what} length ${length} exceeds the maximum message size ${maxMessageSize}`,
    )
  }
  return length
}

/** Reads and validates the i32 frame length at `offset` (4 bytes must be available). */
export function readFrameLength(buf: Buffer, offset: number, maxMessageSize: number): number {
  return checkFrameLength(buf.readInt32BE(offset), maxMessageSize)
}

/** The 4-byte length prefix for a frame of `length` bytes. */
export function framePrefix(length: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_PREFIX_SIZE)
  b.writeInt32BE(length, 0)
  return b
}

/** Total length of a list of pieces. */
export function piecesLength(pieces: readonly Buffer[]): number {
  let n = 0
  for (const p of pieces) n += p.length
  return n
}

/** Wraps message pieces in a frame: returns [prefix, ...pieces] without copying the pieces. */
export function writeFramed(pieces: readonly Buffer[]): Buffer[] {
  return [framePrefix(piecesLength(pieces)), ...pieces]
}
