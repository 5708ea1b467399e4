// Which field a REPLY's result struct starts with, read from its first field header without walking
// the body. Wire facts (THRIFT-WIRE-NOTES, "Replies and exceptions"): field 0 is the success value,
// any other field a declared (IDL) exception, and an empty struct (STOP at once) a void success.
import type { Message } from './types.js'

// Both sentinels lie outside the i16 range, since field ids may be negative (implicit ids).
/** The result struct is empty: a void method succeeded. */
export const VOID_RESULT = 0x1_0000
/** The first field header is cut short: the reply cannot be classified. */
export const UNREADABLE_RESULT = 0x1_0001

/**
 * The id of the first field of a REPLY's result struct (0 = success, another id = a declared
 * exception), or VOID_RESULT / UNREADABLE_RESULT. Meaningless for EXCEPTION messages.
 */
export function resultFieldId(reply: Message): number {
  const p = reply.payload
  const at = reply.bodyOffset
  const first = p[at]
  if (first === undefined || first === 0) return VOID_RESULT // STOP is 0x00 in both protocols
  if (reply.dialect.protocol === 'binary') {
    // Binary field header: i8 type, i16 id (big-endian).
    return at + 3 > p.length ? UNREADABLE_RESULT : p.readInt16BE(at + 1)
  }
  // Compact field header: `dddd tttt` with delta 1..15 from the last id (0 at struct start), else
  // `0000 tttt` and a zigzag varint i16 id.
  if (first >> 4 !== 0) return first >> 4
  let v = 0
  let shift = 0
  for (let i = at + 1; shift < 35; i++, shift += 7) {
    const b = p[i]
    if (b === undefined) return UNREADABLE_RESULT
    v |= (b & 0x7f) << shift
    if ((b & 0x80) === 0) return (v >>> 1) ^ -(v & 1)
  }
  return UNREADABLE_RESULT
}
