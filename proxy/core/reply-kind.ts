// How a reply ended, for the request event's outcome. Reads one field header of the result struct;
// never walks the body. Wire facts: a REPLY's result struct holds field 0 on success (or nothing for a
// void method) and a declared exception in any other field; EXCEPTION carries a TApplicationException
// (THRIFT-WIRE-NOTES, "Replies and exceptions").
import { MessageType, type Message } from '../codec/index.js'
import type { RequestOutcome } from './events.js'

export function replyOutcome(reply: Message): RequestOutcome {
  if (reply.type === MessageType.EXCEPTION) return 'application_exception'
  const p = reply.payload
  const at = reply.bodyOffset
  const first = p[at]
  // STOP (0x00) in both protocols: an empty result struct is a void success.
  if (first === undefined || first === 0) return 'success'
  if (reply.dialect.protocol === 'binary') {
    // Binary field header: i8 type, i16 id (big-endian).
    if (at + 3 > p.length) return 'success'
    return p.readInt16BE(at + 1) === 0 ? 'success' : 'declared_exception'
  }
  // Compact field header: `dddd tttt` with delta 1..15 from the last id (0 at struct start), else
  // `0000 tttt` and a zigzag varint id. A delta form therefore always means id >= 1.
  if (first >> 4 !== 0) return 'declared_exception'
  let v = 0
  let shift = 0
  for (let i = at + 1; i < p.length && shift < 35; i++, shift += 7) {
    const b = p[i] as number
    v |= (b & 0x7f) << shift
    if ((b & 0x80) === 0) break
  }
  const id = (v >>> 1) ^ -(v & 1)
  return id === 0 ? 'success' : 'declared_exception'
}
