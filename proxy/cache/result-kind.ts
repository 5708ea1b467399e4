// What a reply is, for caching: a success (result field 0, or an empty result for void), a declared
// exception (any other result field; its id says which), or a TApplicationException (message type
// EXCEPTION). A reply whose first field header cannot be read is treated like an application
// exception: never cached.
import { MessageType, resultFieldId, UNREADABLE_RESULT, VOID_RESULT, type Message } from '../codec/index.js'

export type ResultKind = { readonly kind: 'success' } | { readonly kind: 'declared'; readonly id: number } | { readonly kind: 'app_exception' }

const SUCCESS: ResultKind = { kind: 'success' }
const APP: ResultKind = { kind: 'app_exception' }

export function resultKind(reply: Message): ResultKind {
  if (reply.type !== MessageType.REPLY) return APP
  const id = resultFieldId(reply)
  if (id === 0 || id === VOID_RESULT) return SUCCESS
  if (id === UNREADABLE_RESULT) return APP
  return { kind: 'declared', id }
}
