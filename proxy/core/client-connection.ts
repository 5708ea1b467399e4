// One client socket and the upstream connection that belongs to it. Calls are forwarded byte for
// byte (message.raw); replies are matched to calls by seqid and forwarded as they arrive. Everything
// a client can be told about a failure is a TApplicationException in its own dialect.
// This file is the client's side: admitting calls, handlers' local answers, backpressure, closing.
// Cutting chunks into messages and the global budget / message deadline of the bytes an incomplete
// one holds is client-input.ts; the upstream side (its connection, calls awaiting replies, request
// timeouts) is upstream-calls.ts; our FIN, its linger, a slow client's destroy and the close event
// are socket-end.ts.
import type net from 'node:net'
import { performance } from 'node:perf_hooks'
import { CodecError, MessageType, TApplicationExceptionType, type Message } from '../codec/index.js'
import { ProxyError, ProxyErrorCode } from './errors.js'
import { errorReply, configuredDialect } from './error-reply.js'
import { channels } from './events.js'
import { isPromiseLike, runOnCall, type HandlerStage } from './handler-runner.js'
import type { CallContext } from './handlers.js'
import { isDeclaredOneway, timeoutFor } from './options.js'
import { PendingCall } from './pending.js'
import { UpstreamCalls } from './upstream-calls.js'
import { CallEnds } from './call-ends.js'
import type { ConnectionHost } from './connection-host.js'
import { InputGate, PauseReason } from './input-gate.js'
import { ClientWriter } from './client-writer.js'
import { publishHandlerError } from './publish.js'
import type { BudgetWaiter } from './global-budget.js'
import type { SlowClientReason } from './slow-client.js'
import { ClientInput } from './client-input.js'
import { SocketEnd } from './socket-end.js'

export class ClientConnection implements BudgetWaiter {
  /** Chunks to messages; the bytes of an incomplete one under the global budget and deadline. */
  private readonly input: ClientInput
  /** The upstream connection and the calls awaiting its replies (upstream-calls.ts). */
  private readonly calls: UpstreamCalls
  private readonly gate: InputGate
  private readonly writer: ClientWriter
  private busy = false
  private readonly ends: CallEnds
  /** Our FIN, the linger after it, a slow client's destroy, why the connection ends (socket-end.ts). */
  private readonly socketEnd: SocketEnd
  private state: 'open' | 'closing' | 'closed' = 'open'
  private draining = false
  private sawDialect = false

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    private readonly host: ConnectionHost,
  ) {
    const o = host.options
    this.gate = new InputGate(socket)
    this.input = new ClientInput({ host, gate: this.gate, waiter: this, onMessage: this.onMessage, onSlowClient: this.onSlowClient })
    const highWater = Math.max(o.limits.maxBufferedBytes, socket.writableHighWaterMark)
    this.writer = new ClientWriter(
      socket,
      host.counters,
      highWater,
      (full) => {
        this.calls.clientFull(full)
        // A client that leaves its replies unread this long is closed (slow-client.ts).
        this.input.outputFull(full)
      },
      // One more whole message may be on its way when the upstream pauses; past that, only local
      // answers can grow the output: stop reading calls from this client until it reads.
      highWater + o.limits.maxMessageSize,
      // The calls already cut from the chunk being read wait too (a 64 KiB chunk of small calls
      // could otherwise ask for thousands of local answers at once).
      (over) => {
        if (over) return this.gate.pause(PauseReason.CLIENT_FULL)
        this.gate.resume(PauseReason.CLIENT_FULL)
        this.unpark()
      },
    )
    this.socketEnd = new SocketEnd(id, socket, this.writer)
    this.ends = new CallEnds({
      id,
      handlers: host.handlers,
      writer: this.writer,
      writable: () => this.state === 'open' || (this.state === 'closing' && !this.socketEnd.ended),
      holdFloorMs: o.requestTimeoutMs,
      flushed: () => this.afterCallDone(),
      onHandlerError: this.onHandlerError,
    })
    socket.setNoDelay(true)
    socket.on('data', this.onData)
    socket.on('drain', this.onClientDrain)
    socket.on('end', this.onClientEnd)
    socket.on('error', () => undefined) // 'close' follows; the cause does not change what we do
    socket.on('close', this.onClientClose)
    if (o.limits.idleTimeoutMs > 0) {
      socket.setTimeout(o.limits.idleTimeoutMs)
      socket.on('timeout', this.onIdle)
    }
    this.calls = new UpstreamCalls({ connectionId: id, host, ends: this.ends, writer: this.writer, gate: this.gate, callDone: () => this.afterCallDone() })
    if (channels.connectionOpen.hasSubscribers) {
      channels.connectionOpen.publish({ connectionId: id, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort })
    }
  }

  get inFlight(): number {
    return this.calls.live
  }

  /** Graceful shutdown: keep serving calls already sent; close as soon as nothing is in flight. */
  beginDrain(): void {
    this.draining = true
    if (this.isIdle()) this.closeGracefully('drain')
  }

  /** Drain deadline passed: answer whatever is still waiting, then close. */
  forceClose(reason: string): void {
    if (this.state !== 'open') return this.destroy()
    const err = new ProxyError(ProxyErrorCode.CLOSING, `thriftgate is shutting down (${reason}); the call's outcome is unknown`)
    this.calls.failAll(err, 'upstream_error', 'proxy closing')
    this.closeGracefully('drain')
  }

  destroy(): void {
    if (this.state === 'open') this.socketEnd.reason = 'destroy'
    this.socket.destroy()
  }

  // ---- client → upstream ----

  private readonly onData = (chunk: Buffer): void => {
    if (this.state !== 'open') return // lingering after a protocol error: discard
    this.host.counters.bytesIn += chunk.length
    // One writev upstream for all the calls in this chunk, rather than a syscall per call.
    const up = this.calls.cork()
    try {
      this.input.push(chunk)
    } catch (err) {
      this.protocolError(err, undefined, TApplicationExceptionType.PROTOCOL_ERROR)
    } finally {
      this.calls.uncork(up)
    }
    if (this.state === 'open') this.input.afterChunk()
  }

  /** @internal BudgetWaiter: another connection freed room under the global limits. */
  budgetFreed(): void {
    if (this.state !== 'open') return
    this.input.bufferFreed()
    this.unpark()
  }

  private readonly onSlowClient = (reason: SlowClientReason): void => {
    if (this.state !== 'open') return
    const limits = this.host.options.limits
    if (reason === 'message') {
      const err = new ProxyError(
        ProxyErrorCode.MESSAGE_TIMEOUT,
        `message not complete within ${limits.messageTimeoutMs}ms of its first byte (${this.input.bufferedBytes} bytes received)`,
      )
      return this.protocolError(err, undefined, TApplicationExceptionType.PROTOCOL_ERROR)
    }
    this.socketEnd.destroySlowClient(limits)
  }

  private readonly onMessage = (m: Message): void => {
    if (this.state !== 'open') return
    if (
      this.busy ||
      this.gate.hasParked ||
      this.calls.live + this.ends.held >= this.host.options.limits.maxInFlightPerConnection ||
      this.gate.isPausedBy(PauseReason.CLIENT_FULL)
    ) {
      return this.gate.park(m)
    }
    if (this.host.budget.inFlightFull) {
      this.gate.park(m)
      return this.host.budget.waitForInFlight(this)
    }
    this.dispatch(m)
  }

  private dispatch(m: Message): void {
    if (m.type !== MessageType.CALL && m.type !== MessageType.ONEWAY) {
      const err = new ProxyError(ProxyErrorCode.BAD_MESSAGE_TYPE, `thriftgate: a client may only send CALL or ONEWAY, got message type ${m.type}`)
      return this.protocolError(err, m, TApplicationExceptionType.INVALID_MESSAGE_TYPE)
    }
    if (!this.sawDialect) {
      this.sawDialect = true
      this.host.dialectSeen(m.dialect)
    }
    const o = this.host.options
    const oneway = m.type === MessageType.ONEWAY || isDeclaredOneway(o, m.name, m.method)
    const p = new PendingCall(m, this.id, oneway ? 0 : timeoutFor(o, m.name, m.method))
    if (channels.request.hasSubscribers) p.startedAt = performance.now()
    if (this.host.handlers.onCall.length === 0) return this.calls.forward(p, oneway)
    const r = runOnCall(this.host.handlers, p, this.onHandlerError)
    if (r === undefined) return this.calls.forward(p, oneway)
    if (!isPromiseLike(r)) return this.ends.answered(p, r, oneway)
    // An async handler (cache lookup): hold later calls so they reach the upstream in client order.
    this.busy = true
    this.gate.pause(PauseReason.PARKED)
    void r.then((reply) => {
      this.busy = false
      if (this.state !== 'open') return this.ends.abandoned(p, reply) // closed meanwhile: never forwarded
      if (reply === undefined) this.calls.forward(p, oneway)
      else this.ends.answered(p, reply, oneway)
      this.afterCallDone()
    })
  }

  // ---- client output ----

  private readonly onClientDrain = (): void => {
    this.writer.drained()
    if (this.state === 'open' && this.draining && this.isIdle()) this.closeGracefully('drain')
  }

  // ---- errors and lifecycle ----

  /** Malformed input: tell the client in its dialect if we know it, then close this connection only. */
  private protocolError(err: unknown, m: Message | undefined, type: TApplicationExceptionType): void {
    if (this.state !== 'open') return
    const code = err instanceof CodecError || err instanceof ProxyError ? err.code : 'TG_ERR_INTERNAL'
    const text = err instanceof Error ? err.message : String(err)
    if (channels.clientError.hasSubscribers) channels.clientError.publish({ connectionId: this.id, code, message: text })
    this.calls.failAll(new ProxyError(ProxyErrorCode.CLOSING, 'thriftgate: connection closing after a protocol error'), 'upstream_error', 'client protocol error')
    const d = m?.dialect ?? this.input.dialect ?? configuredDialect(this.host.options.transport, this.host.options.protocol)
    if (d !== undefined) this.ends.send(errorReply(m, d, `thriftgate: ${text} (${code})`, type))
    this.closeGracefully('protocol_error')
  }

  private readonly onHandlerError = (stage: HandlerStage, ctx: CallContext, error: unknown): void =>
    publishHandlerError(this.id, stage, ctx, error)

  /** The client closed its side; Node ends ours (allowHalfOpen false) and 'close' tears down. */
  private readonly onClientEnd = (): void => {
    if (this.state === 'open') this.socketEnd.reason = 'client'
  }

  private readonly onIdle = (): void => {
    if (this.state === 'open' && this.isIdle()) this.closeGracefully('idle')
  }

  private readonly onClientClose = (): void => {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.socketEnd.stopLinger()
    this.host.budget.forget(this)
    this.input.clear()
    this.calls.clientClosed()
    this.gate.clear()
    this.ends.clear()
    this.calls.drop()
    this.host.budget.callEnded()
    this.socketEnd.publishClose()
    this.host.connectionClosed(this)
  }

  private closeGracefully(reason: string): void {
    if (this.state !== 'open') return
    this.state = 'closing'
    this.socketEnd.reason = reason
    this.calls.drop()
    this.socket.resume() // keep reading (and discarding) so the client's writes do not block its read of our answer
    // Answers held for handlers (an error waiting for onFailure) go before the FIN: end once they
    // are out (afterCallDone); each is bounded by its hold deadline.
    if (!this.ends.holding) this.socketEnd.endOurSide()
  }

  /** After a call ends: let parked calls in, and finish a drain. */
  private afterCallDone(): void {
    this.host.budget.callEnded()
    if (this.state !== 'open') {
      if (this.state === 'closing' && !this.ends.holding) this.socketEnd.endOurSide()
      return
    }
    this.unpark()
    if (this.draining && this.isIdle()) this.closeGracefully('drain')
  }

  private unpark(): void {
    const max = this.host.options.limits.maxInFlightPerConnection
    const budget = this.host.budget
    const clientFull = (): boolean => this.gate.isPausedBy(PauseReason.CLIENT_FULL)
    // Answers held for handlers count against the cap like calls in flight (the reply queue stays bounded).
    while (this.gate.hasParked && !this.busy && this.calls.live + this.ends.held < max && this.state === 'open' && !budget.inFlightFull && !clientFull()) {
      this.dispatch(this.gate.shift() as Message)
    }
    // Held back by the global cap: wait for a call to end on any connection.
    if (this.gate.hasParked && !this.busy && this.calls.live + this.ends.held < max && this.state === 'open' && budget.inFlightFull) budget.waitForInFlight(this)
    if (!this.gate.hasParked && !this.busy && this.state === 'open') this.gate.resume(PauseReason.PARKED)
  }

  private isIdle(): boolean {
    return (
      this.calls.live === 0 &&
      !this.busy &&
      !this.gate.hasParked &&
      !this.ends.holding &&
      this.input.bufferedBytes === 0
    )
  }
}
