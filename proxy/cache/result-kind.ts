// What a reply is, for caching: a success (result field 0, or an empty result for void), a declared
// exception (any other result field; its id says which), or a TApplicationException (message type
// EXCEPTION). Reads only the first field header of the result struct (THRIFT-WIRE-NOTES,
// "Replies and exceptions").
import { MessageType, type Message } from '../codec/index.js'

export type ResultKind = { readonly kind: 'success' } | { readonly kind: 'declared'; readonly id: number } | { readonly kind: 'app_exception' }

const SUCCESS: ResultKind = { kind: 'success' }
const APP: ResultKind = { kind: 'app_exception' }

export function resultKind(reply: Message): ResultKind {
  if (reply.type !== MessageType.REPLY) return APP
  const p = reply.payload
  const at = reply.bodyOffset
  const first = p[at]
  if (first === undefined || first === 0) return SUCCESS // STOP: void success
  let id: number
  if (reply.dialect.protocol === 'binary') {
    if (at + 3 > p.length) return APP
    id = p.readInt16BE(at + 1) // binary field header: i8 type, i16 id
  } else if (first >> 4 !== 0) {
    id = first >> 4 // compact short form: delta from 0
  } else {
    let v = 0
    let shift = 0
    for (let i = at + 1; i < p.length && shift < 35; i++, shift += 7) {
      const b = p[i] as number
      v |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) break
    }
    id = (v >>> 1) ^ -(v & 1) // zigzag i16
  }
  return id === 0 ? SUCCESS : { kind: 'declared', id }
}
