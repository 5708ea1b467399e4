// The read side of one client connection before admission: TCP chunks cut into messages, and the
// bytes of an incomplete message they leave behind. Those bytes count in the proxy-wide budget
// (global-budget.ts: past it this client is not read until another connection frees room) and are
// bounded in time by the message deadline (slow-client.ts), so a client trickling a frame can hold
// neither memory nor its upstream forever. Split from client-connection.ts, which admits the
// messages and owns the socket; per message this adds one call, no allocation.
import { MessageSplitter, type Dialect, type Message } from '../codec/index.js'
import type { ConnectionHost } from './connection-host.js'
import type { BudgetWaiter } from './global-budget.js'
import { PauseReason, type InputGate } from './input-gate.js'
import { SlowClientGuard, type SlowClientReason } from './slow-client.js'

export interface ClientInputDeps {
  readonly host: ConnectionHost
  /** The client's reads: paused here while the global buffer limit is reached. */
  readonly gate: InputGate
  /** Who waits in the global budget (the connection: room freed may also let parked calls in). */
  readonly waiter: BudgetWaiter
  /** Each message cut, in order. */
  readonly onMessage: (m: Message) => void
  /** A slow-client deadline passed (slow-client.ts). */
  readonly onSlowClient: (reason: SlowClientReason) => void
}

export class ClientInput {
  private readonly splitter: MessageSplitter
  private readonly guard: SlowClientGuard
  private readonly onMessage: (m: Message) => void
  /** Bytes of an incomplete message this connection counts in the global budget. */
  private held = 0
  /** A message was cut from the last chunk (then any remainder is a new message, with a new deadline). */
  private completed = false

  constructor(private readonly deps: ClientInputDeps) {
    const o = deps.host.options
    this.onMessage = deps.onMessage
    this.splitter = new MessageSplitter({
      transport: o.transport,
      protocol: o.protocol,
      limits: { maxMessageSize: o.limits.maxMessageSize, maxDepth: o.limits.maxDepth },
    })
    this.guard = new SlowClientGuard(
      o.limits.messageTimeoutMs,
      o.limits.slowClientTimeoutMs,
      // Time the proxy itself stops reading is not the client's fault.
      () => deps.gate.isPausedBy(PauseReason.PARKED | PauseReason.UPSTREAM_FULL),
      deps.onSlowClient,
    )
  }

  /** Bytes held for an incomplete message. */
  get bufferedBytes(): number {
    return this.splitter.bufferedBytes
  }

  /** The client's dialect, once detected. */
  get dialect(): Dialect | undefined {
    return this.splitter.dialect
  }

  /** Cuts the messages of one chunk, handing each to onMessage. Throws CodecError on bad input. */
  push(chunk: Buffer): void {
    this.completed = false
    this.splitter.push(chunk, this.cut)
  }

  /** After push(), while the connection is open: budget and deadline for the bytes left over. */
  afterChunk(): void {
    const held = this.splitter.bufferedBytes
    const budget = this.deps.host.budget
    if (held !== this.held) {
      budget.addBuffered(held - this.held)
      this.held = held
    }
    this.guard.afterChunk(held, this.completed)
    if (held > 0 && budget.bufferFull) {
      this.deps.gate.pause(PauseReason.GLOBAL_BUFFER)
      budget.waitForBuffer(this.deps.waiter)
    }
  }

  /** Room may be free under the global buffer limit: read again, or keep waiting. */
  bufferFreed(): void {
    const { gate, host, waiter } = this.deps
    if (!gate.isPausedBy(PauseReason.GLOBAL_BUFFER)) return
    if (host.budget.bufferFull) host.budget.waitForBuffer(waiter)
    else gate.resume(PauseReason.GLOBAL_BUFFER)
  }

  /** The client's unread output is over its bound (true) or drained (slow-client.ts). */
  outputFull(full: boolean): void {
    this.guard.outputFull(full)
  }

  /** The connection closed: deadlines stop and its held bytes leave the global budget. */
  clear(): void {
    this.guard.clear()
    if (this.held > 0) this.deps.host.budget.addBuffered(-this.held)
    this.held = 0
  }

  private readonly cut = (m: Message): void => {
    this.completed = true
    this.onMessage(m)
  }
}
