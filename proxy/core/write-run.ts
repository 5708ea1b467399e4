// Coalesces writes of messages that sit next to each other in the same received chunk into one
// write of the chunk's bytes. Messages are views onto the chunk they arrived in (zero copy), so a
// batch of pipelined calls (or replies) read in one go leaves in one write, the way a plain TCP pipe
// would send it, instead of a write (or a writev entry) per message. Only adjacent views of the same
// memory are merged, so the bytes written are exactly the messages' bytes, in order.
import type net from 'node:net'

export class WriteRun {
  private first: Buffer | undefined
  private length = 0

  constructor(private readonly socket: net.Socket) {}

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

  /** Writes what was gathered; call before any other write to the socket, to keep order. */
  flush(): void {
    const f = this.first
    if (f === undefined) return
    this.first = undefined
    this.socket.write(this.length === f.length ? f : Buffer.from(f.buffer, f.byteOffset, this.length))
  }
}
