// Re-encodes a struct from one protocol to the other (e.g. a cached result stored as binary,
// answered to a compact client). Values go through the value model, so doubles keep their bits.
// What cannot survive, by the protocols' own definitions: a binary bool byte other than 0/1
// becomes 1, and a binary empty map's key/value types are lost in compact (its 0x00 has none).

import { readEnvelope, writeEnvelope } from './envelope.js'
import { skipStruct } from './walker.js'
import { ByteWriter } from './byte-writer.js'
import { transcodeStructFrom } from './transcode-stream.js'
import { DEFAULT_LIMITS, type CodecLimits, type Protocol } from './types.js'

/** The struct at `offset` in protocol `to`; the same bytes (a view) when `from === to`. */
export function transcodeStruct(
  buf: Buffer,
  offset: number,
  from: Protocol,
  to: Protocol,
  limits?: Partial<CodecLimits>,
): Buffer {
  if (from === to) return buf.subarray(offset, skipStruct(buf, offset, from, limits?.maxDepth))
  const w = new ByteWriter()
  const maxDepth = limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth
  transcodeStructFrom({ buf, pos: offset, end: buf.length, maxDepth, compact: from === 'compact' }, 1, w)
  return w.finish()
}

/**
 * A whole protocol-level message (envelope + body struct) re-encoded in protocol `to`: same
 * name, type and seqid. `strict` picks the binary header form when `to` is binary.
 */
export function transcodePayload(
  buf: Buffer,
  offset: number,
  from: Protocol,
  to: Protocol,
  strict = true,
  limits?: Partial<CodecLimits>,
): Buffer {
  const env = readEnvelope(buf, offset, from)
  const head = writeEnvelope(to, strict, env.name, env.type, env.seqid)
  return Buffer.concat([head, transcodeStruct(buf, env.bodyOffset, from, to, limits)])
}
