// A connection over maxConnections. Closing it at once would show the client a bare reset; instead it
// waits (briefly, within small limits) for the first call and answers it with INTERNAL_ERROR in the
// client's dialect, so the client learns why. Reading stops after that one message.
import type net from 'node:net'
import { MessageSplitter, TApplicationExceptionType, type Message } from '../codec/index.js'
import { errorReply } from './error-reply.js'
import type { ResolvedOptions } from './options.js'

/** How long a rejected connection may take to send its first call. */
const REJECT_WAIT_MS = 1_000
/** A first call bigger than this is not worth reading just to refuse it. */
const REJECT_MAX_MESSAGE = 64 * 1024

export function rejectConnection(socket: net.Socket, o: ResolvedOptions, onClosed: () => void): void {
  const splitter = new MessageSplitter({
    transport: o.transport,
    protocol: o.protocol,
    limits: { maxMessageSize: Math.min(REJECT_MAX_MESSAGE, o.limits.maxMessageSize), maxDepth: o.limits.maxDepth },
  })
  let answered = false
  const timer = setTimeout(() => socket.destroy(), REJECT_WAIT_MS)
  timer.unref()
  const answer = (m: Message): void => {
    if (answered) return
    answered = true
    const text = `thriftgate: too many connections (max ${o.limits.maxConnections}) (TG_ERR_TOO_MANY_CONNECTIONS)`
    socket.end(Buffer.concat(errorReply(m, m.dialect, text, TApplicationExceptionType.INTERNAL_ERROR)))
  }
  socket.on('data', (chunk: Buffer) => {
    if (answered) return
    try {
      splitter.push(chunk, answer)
    } catch {
      socket.destroy()
    }
  })
  socket.on('error', () => undefined)
  socket.on('end', () => socket.destroy())
  socket.on('close', () => {
    clearTimeout(timer)
    onClosed()
  })
}
