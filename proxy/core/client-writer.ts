// Everything written to one client socket: replies (gathered per upstream chunk, see WriteRun),
// answers the proxy makes itself, byte totals, and backpressure toward the upstream: when the
// client is not reading, `onFull(true)` asks its owner to stop reading the upstream; the client's
// 'drain' (passed in through drained()) lets it read again.
import type net from 'node:net'
import type { CoreCounters } from './connection-host.js'
import { WriteRun } from './write-run.js'

export class ClientWriter {
  private readonly run: WriteRun
  private batching = false
  private full = false

  constructor(
    private readonly socket: net.Socket,
    private readonly counters: CoreCounters,
    /** Bytes queued for the client before the upstream is paused (at least the socket's high water mark). */
    private readonly highWater: number,
    private readonly onFull: (full: boolean) => void,
  ) {
    this.run = new WriteRun(socket)
  }

  /** True while the client has too much unread: an upstream (re)connected now should start paused. */
  get isFull(): boolean {
    return this.full
  }

  /** Around the replies cut from one upstream chunk. */
  begin(): void {
    this.batching = true
    this.socket.cork()
  }

  end(): void {
    this.batching = false
    this.run.flush()
    this.socket.uncork()
    this.check()
  }

  /** An upstream reply, forwarded unchanged (zero copy). */
  reply(raw: Buffer): void {
    this.counters.bytesOut += raw.length
    if (this.batching) return this.run.add(raw)
    this.socket.write(raw)
    this.check()
  }

  /** A whole message the proxy wrote itself (local answer, TApplicationException). */
  pieces(pieces: readonly Buffer[]): void {
    this.run.flush()
    const s = this.socket
    s.cork()
    for (const b of pieces) {
      s.write(b)
      this.counters.bytesOut += b.length
    }
    s.uncork()
  }

  /** Sends whatever was gathered (before a FIN). */
  flush(): void {
    this.run.flush()
  }

  /** The client socket emitted 'drain'. */
  drained(): void {
    if (!this.full) return
    this.full = false
    this.onFull(false)
  }

  private check(): void {
    if (!this.full && this.socket.writableLength >= this.highWater) {
      this.full = true
      this.onFull(true)
    }
  }
}
