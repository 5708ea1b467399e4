// A reply another CallHandler made (pieces in the client's dialect, CallEnd 'answered') read back
// into a Message, so a cache leader can store it like an upstream reply. Only on that rare path:
// a later handler answering a call whose key the cache was leading.
import { MessageSplitter, type Dialect, type Message } from '../codec/index.js'

/** The one message in `pieces`, or undefined if they are not exactly one whole message. */
export function answerMessage(d: Dialect, pieces: readonly Buffer[]): Message | undefined {
  const s = new MessageSplitter({ transport: d.transport, protocol: d.protocol })
  let out: Message | undefined
  let count = 0
  try {
    s.push(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces), (m) => {
      out = m
      count++
    })
  } catch {
    return undefined
  }
  return count === 1 && s.bufferedBytes === 0 ? out : undefined
}
