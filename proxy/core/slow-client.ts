// Slow-client (slowloris) protection for one client connection, two deadlines:
// - a message, once its first byte has arrived, must be complete within `messageTimeoutMs`: a client
//   that sends part of a frame and then trickles bytes (or nothing) would otherwise hold its buffer
//   and its upstream connection forever;
// - a client that does not read its replies: once its unread output passes the write bound, reading
//   it pauses (client-connection), and if the output does not drain within `slowClientTimeoutMs`
//   the connection is closed.
// Time the proxy itself stops reading (in-flight cap, upstream busy) is not the client's fault: the
// owner says so through `proxyPaused` and the message deadline is then pushed back.

export type SlowClientReason = 'message' | 'output'

export class SlowClientGuard {
  private messageTimer: NodeJS.Timeout | undefined
  private outputTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly messageTimeoutMs: number,
    private readonly slowClientTimeoutMs: number,
    /** Whether the proxy has stopped reading for its own reasons (then a partial message may wait). */
    private readonly proxyPaused: () => boolean,
    private readonly onExpired: (reason: SlowClientReason) => void,
  ) {}

  /**
   * After each chunk: `held` bytes of an incomplete message remain; `completed` says whether a
   * message was completed by this chunk (then any remainder is a new message with its own deadline).
   */
  afterChunk(held: number, completed: boolean): void {
    if (held === 0) {
      if (this.messageTimer !== undefined) this.clearMessage()
      return
    }
    if (this.messageTimeoutMs <= 0) return
    if (completed) this.clearMessage()
    this.messageTimer ??= this.armMessage()
  }

  /** The client's unread output is over the bound (true) or drained (false). */
  outputFull(full: boolean): void {
    if (!full) {
      clearTimeout(this.outputTimer)
      this.outputTimer = undefined
      return
    }
    if (this.slowClientTimeoutMs <= 0 || this.outputTimer !== undefined) return
    this.outputTimer = setTimeout(() => {
      this.outputTimer = undefined
      this.onExpired('output')
    }, this.slowClientTimeoutMs)
    this.outputTimer.unref()
  }

  clear(): void {
    this.clearMessage()
    clearTimeout(this.outputTimer)
    this.outputTimer = undefined
  }

  private clearMessage(): void {
    clearTimeout(this.messageTimer)
    this.messageTimer = undefined
  }

  private armMessage(): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.messageTimer = undefined
      if (this.proxyPaused()) this.messageTimer = this.armMessage()
      else this.onExpired('message')
    }, this.messageTimeoutMs)
    t.unref()
    return t
  }
}
