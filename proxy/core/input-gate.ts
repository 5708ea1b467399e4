// When a client connection reads. Reading stops for more than one reason at once (calls parked at
// the in-flight cap or behind an async onCall; the upstream's write buffer full), and resumes only
// when every reason has cleared. Calls the splitter already cut from the last chunk wait here in
// order: at most one chunk's worth, since reading stopped when the first one was parked.
import type net from 'node:net'
import type { Message } from '../codec/index.js'

export const PauseReason = {
  /** Calls parked: in-flight cap reached, or an async onCall running. */
  PARKED: 1,
  /** The upstream's write buffer is past maxBufferedBytes. */
  UPSTREAM_FULL: 2,
  /** The client's unread replies are past maxBufferedBytes: stop taking more calls from it. */
  CLIENT_FULL: 4,
  /** All connections together hold maxBufferedBytesTotal of incomplete messages. */
  GLOBAL_BUFFER: 8,
} as const

export class InputGate {
  private readonly parked: (Message | undefined)[] = []
  private head = 0
  private bits = 0

  constructor(private readonly socket: net.Socket) {}

  get hasParked(): boolean {
    return this.head < this.parked.length
  }

  park(m: Message): void {
    this.parked.push(m)
    this.pause(PauseReason.PARKED)
  }

  /** The oldest parked call, removed. */
  shift(): Message | undefined {
    if (this.head >= this.parked.length) return undefined
    const m = this.parked[this.head]
    this.parked[this.head++] = undefined
    if (this.head >= this.parked.length) {
      this.parked.length = 0
      this.head = 0
    }
    return m
  }

  clear(): void {
    this.parked.length = 0
    this.head = 0
  }

  /** Whether reading is stopped for any of the reasons in `mask`. */
  isPausedBy(mask: number): boolean {
    return (this.bits & mask) !== 0
  }

  pause(reason: number): void {
    if (this.bits === 0) this.socket.pause()
    this.bits |= reason
  }

  resume(reason: number): void {
    if ((this.bits & reason) === 0) return
    this.bits &= ~reason
    if (this.bits === 0) this.socket.resume()
  }
}
