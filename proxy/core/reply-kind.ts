// How a reply ended, for the request event's outcome. Reads one field header of the result struct;
// never walks the body (codec's resultFieldId).
import { MessageType, resultFieldId, UNREADABLE_RESULT, VOID_RESULT, type Message } from '../codec/index.js'
import type { RequestOutcome } from './events.js'

export function replyOutcome(reply: Message): RequestOutcome {
  if (reply.type === MessageType.EXCEPTION) return 'application_exception'
  const id = resultFieldId(reply)
  // An unreadable header still reached the client as a REPLY; the outcome is counted as the client saw it.
  return id === 0 || id === VOID_RESULT || id === UNREADABLE_RESULT ? 'success' : 'declared_exception'
}
