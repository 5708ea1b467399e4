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
  private overLimit = false

  constructor(
    private readonly socket: net.Socket,
    private readonly counters: CoreCounters,
    /** Bytes queued for the client before the upstream is paused (at least the socket's high water mark). */
    private readonly highWater: number,
    private readonly onFull: (full: boolean) => void,
    /**
     * Unread bytes past which the client is not even read any more (then `onOverLimit(true)`). Above
     * highWater the upstream is paused, so forwarded replies stop arriving; what can still grow is
     * the proxy's own answers (cache hits) to calls the client keeps sending. Infinity = no limit.
     */
    private readonly hardLimit: number = Infinity,
    private readonly onOverLimit: (over: boolean) => void = () => undefined,
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
    this.run.begin()
  }

  end(): void {
    this.batching = false
    this.run.end()
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
    // Local answers (cache hits) need no upstream: without this check a client that sends calls
    // and never reads would grow its output without bound.
    this.check()
  }

  /** Sends whatever was gathered (before a FIN). */
  flush(): void {
    this.run.flush()
  }

  /** The client socket emitted 'drain'. */
  drained(): void {
    if (this.overLimit) {
      this.overLimit = false
      this.onOverLimit(false)
    }
    if (!this.full) return
    this.full = false
    this.onFull(false)
  }

  private check(): void {
    const queued = this.socket.writableLength
    if (!this.full && queued >= this.highWater) {
      this.full = true
      this.onFull(true)
    }
    if (!this.overLimit && queued >= this.hardLimit) {
      this.overLimit = true
      this.onOverLimit(true)
    }
  }
}
