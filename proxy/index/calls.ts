// Calls the index originates (an entity's `get`, a backfill page): built as complete Messages in a
// given dialect so the core's pool (which rewrites seqids of Messages) and the cache's handler
// (which keys on the args struct of a Message) take them like any client's call; and replies in
// any dialect read back into a Message.

import {
  MessageSplitter,
  MessageType,
  defaultHeader,
  encodeMessage,
  getField,
  toMessage,
  writeEnvelope,
  writeStruct,
  readStruct,
  type Dialect,
  type Message,
  type TStructValue,
  type TValue,
} from '../codec/index.js'

/** A CALL `name(fields)` in dialect `d` (THeader: a plain header without transforms or info). */
export function buildCall(d: Dialect, name: string, args: TStructValue, seqid = 0): Message {
  const body = writeStruct(args, d.protocol)
  const header = d.transport === 'header' ? defaultHeader(d.protocol, seqid) : undefined
  const raw = Buffer.concat(encodeMessage(d, header, { name, type: MessageType.CALL, seqid }, body))
  const payload = Buffer.concat([writeEnvelope(d.protocol, d.strict, name, MessageType.CALL, seqid), body])
  return toMessage(raw, payload, d.transport, d.protocol, header)
}

/** The one message in `pieces` (a reply a handler built for a call in dialect `d`). */
export function parseReply(d: Dialect, pieces: readonly Buffer[]): Message | undefined {
  const s = new MessageSplitter({ transport: d.transport, protocol: d.protocol })
  let out: Message | undefined
  s.push(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), (m) => (out = m))
  return out
}

export type ReplyResult =
  | { readonly kind: 'success'; readonly value: TValue | undefined }
  | { readonly kind: 'declared'; readonly fieldId: number }
  | { readonly kind: 'exception' }

/**
 * What a reply says: field 0 of a REPLY's result struct is the success value (absent for void);
 * any other field is a declared exception; EXCEPTION is a TApplicationException (thrift-rpc.md).
 */
export function replyResult(reply: Message): ReplyResult {
  if (reply.type !== MessageType.REPLY) return { kind: 'exception' }
  const result = readStruct(reply.payload, reply.bodyOffset, reply.dialect.protocol).value
  const other = result.value.find((f) => f.id !== 0)
  if (other !== undefined) return { kind: 'declared', fieldId: other.id }
  return { kind: 'success', value: getField(result, 0) }
}

/** The result struct bytes of a reply (to answer another call with the same result). */
export function resultBytes(reply: Message): Buffer {
  return reply.payload.subarray(reply.bodyOffset)
}
