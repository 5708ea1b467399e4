// How a client socket ends, once the connection has decided to close: our FIN sent once and only
// after the replies gathered in this batch, a linger that destroys the socket if the client does
// not close its side in time (it may never, after a protocol error), the destroy of a client that
// does not read its replies, and the connectionClose event with the reason and how long the
// connection lived. Apart from client-connection.ts because none of it runs per message: the
// forwarding path there reads only the connection's own `state`.
import type net from 'node:net'
import { performance } from 'node:perf_hooks'
import type { ClientWriter } from './client-writer.js'
import { ProxyErrorCode } from './errors.js'
import { channels } from './events.js'
import type { ProxyLimits } from './options.js'

/** After answering a protocol error, how long to wait for the client to close before destroying. */
const LINGER_MS = 2_000

export class SocketEnd {
  /** Why the connection ends, as connectionClose reports it: the client's own close unless we say otherwise. */
  reason = 'client'
  /** Our side of the socket is ended (closing): nothing more can be written. */
  ended = false
  private lingerTimer: NodeJS.Timeout | undefined
  private readonly openedAt = performance.now()

  constructor(
    private readonly connectionId: number,
    private readonly socket: net.Socket,
    private readonly writer: ClientWriter,
  ) {}

  /** Sends our FIN (once), then gives the client LINGER_MS to close before destroying the socket. */
  endOurSide(): void {
    if (this.ended) return
    this.ended = true
    this.writer.flush() // replies gathered in this batch go before the FIN
    this.socket.end()
    this.lingerTimer = setTimeout(() => this.socket.destroy(), LINGER_MS)
    this.lingerTimer.unref()
  }

  /** The client left its replies unread too long (slow-client.ts): destroy, freeing that output. */
  destroySlowClient(limits: ProxyLimits): void {
    // It does not read: telling it why is pointless, and its unread output is what we free.
    if (channels.clientError.hasSubscribers) {
      const text = `client left over ${limits.maxBufferedBytes} bytes of replies unread for ${limits.slowClientTimeoutMs}ms`
      channels.clientError.publish({ connectionId: this.connectionId, code: ProxyErrorCode.SLOW_CLIENT, message: text })
    }
    this.reason = 'slow_client'
    this.socket.destroy()
  }

  /** The socket has closed: nothing is left to linger for. */
  stopLinger(): void {
    clearTimeout(this.lingerTimer)
  }

  publishClose(): void {
    if (channels.connectionClose.hasSubscribers) {
      channels.connectionClose.publish({ connectionId: this.connectionId, reason: this.reason, durationMs: performance.now() - this.openedAt })
    }
  }
}
