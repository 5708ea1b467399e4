// Coalesces writes of messages that sit next to each other in the same received chunk into one
// write of the chunk's bytes. Messages are views onto the chunk they arrived in (zero copy), so a
// batch of pipelined calls (or replies) read in one go leaves in one write, the way a plain TCP pipe
// would send it, instead of a write (or a writev entry) per message. Only adjacent views of the same
// memory are merged, so the bytes written are exactly the messages' bytes, in order.
//
// Between begin() and end() (the messages cut from one received chunk) the socket is corked only
// when a second write is needed (a run broken by a message that spans chunks, or an answer of the
// proxy's own): then everything of the batch still leaves in one writev. The common batch, one run,
// is one plain write, without the cost of buffering it in the stream and clearing that on uncork.
import type net from 'node:net'

export class WriteRun {
  private first: Buffer | undefined
  private length = 0
  private batching = false
  private corked = false

  constructor(private readonly socket: net.Socket) {}

  /** Starts a batch: writes are gathered until end(). */
  begin(): void {
    this.batching = true
  }

  /** Ends the batch: sends what was gathered. */
  end(): void {
    this.batching = false
    this.write()
    if (this.corked) {
      this.corked = false
      this.socket.uncork()
    }
  }

  add(b: Buffer): void {
    const f = this.first
    if (f !== undefined) {
      if (b.buffer === f.buffer && b.byteOffset === f.byteOffset + this.length) {
        this.length += b.length
        return
      }
      this.flush()
    }
    this.first = b
    this.length = b.length
  }

  /**
   * Writes what was gathered; call before any other write to the socket, to keep order. Inside a
   * batch this corks the socket first, so that the batch still leaves in one writev.
   */
  flush(): void {
    if (this.batching && !this.corked) {
      this.corked = true
      this.socket.cork()
    }
    this.write()
  }

  private write(): void {
    const f = this.first
    if (f === undefined) return
    this.first = undefined
    this.socket.write(this.length === f.length ? f : Buffer.from(f.buffer, f.byteOffset, this.length))
  }
}
