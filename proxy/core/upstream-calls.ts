// The upstream half of one client connection: its own upstream connection (opened with the client,
// reopened on the next call after a failure unless the target is in backoff), the calls sent on it
// awaiting replies matched by seqid, their request deadlines, and failing them when the upstream goes.
// Split from client-connection.ts so that file keeps the client's side (reading, admission, closing);
// the upstream calls straight into this object (it is the UpstreamListener), so a reply costs no
// extra hop on its way to call-ends.ts.
import { performance } from 'node:perf_hooks'
import type { Message } from '../codec/index.js'
import type { CallEnds } from './call-ends.js'
import type { ClientWriter } from './client-writer.js'
import type { ConnectionHost } from './connection-host.js'
import { DeadlineTimer } from './deadline-timer.js'
import { describeCause, ProxyError, ProxyErrorCode, UpstreamError } from './errors.js'
import type { RequestOutcome } from './events.js'
import { PauseReason, type InputGate } from './input-gate.js'
import { PendingTable, type PendingCall } from './pending.js'
import { publishUpstreamError } from './publish.js'
import { UpstreamConnection, type UpstreamListener } from './upstream-connection.js'

/** What the upstream half shares with its client connection (all long-lived: no per-call objects). */
export interface UpstreamCallsDeps {
  readonly connectionId: number
  readonly host: ConnectionHost
  /** Where every call ends (the client's answer, the handlers told). */
  readonly ends: CallEnds
  /** The client's output: replies of one upstream chunk go out in one batch; a full one pauses the upstream. */
  readonly writer: ClientWriter
  /** The client's reads: paused while the upstream's write buffer is full. */
  readonly gate: InputGate
  /** After a call ends or the upstream fails: let parked calls in, finish a drain. */
  readonly callDone: () => void
}

export class UpstreamCalls implements UpstreamListener {
  private upstream: UpstreamConnection | undefined
  private readonly pending = new PendingTable()
  private readonly deadlines = new DeadlineTimer(() => this.onDeadline())
  private closed = false

  constructor(private readonly deps: UpstreamCallsDeps) {
    // Connect now, overlapping the upstream handshake with the client's first write.
    this.upstream = this.connect()
  }

  /** Calls awaiting a reply (timed-out tombstones excluded). */
  get live(): number {
    return this.pending.live
  }

  /** Gathers the calls of one client chunk into one upstream writev; pass the result to uncork(). */
  cork(): UpstreamConnection | undefined {
    const up = this.upstream
    up?.cork()
    return up
  }

  /** Sends what cork() gathered; a full upstream buffer stops reading the client. */
  uncork(up: UpstreamConnection | undefined): void {
    if (up !== undefined && !up.uncork() && up === this.upstream) this.deps.gate.pause(PauseReason.UPSTREAM_FULL)
  }

  /** The client's unread output is over its bound (true) or drained: stop or resume reading replies. */
  clientFull(full: boolean): void {
    if (full) this.upstream?.pauseReading()
    else this.upstream?.resumeReading()
  }

  forward(p: PendingCall, oneway: boolean): void {
    const { ends, host, gate } = this.deps
    const m = p.message
    const up = this.upstream !== undefined && this.upstream.alive ? this.upstream : this.reconnect()
    if (up === undefined) {
      const b = host.target.backoff
      const err = new UpstreamError(host.target.name, 'backoff', `${b.cause}; next attempt in ${b.blockedForMs()}ms`)
      return ends.unsent(p, oneway ? undefined : err, 'upstream_error', b.cause)
    }
    up.useDialect(m.dialect)
    if (oneway) {
      ends.oneway(p)
    } else {
      if (p.timeoutMs > 0) {
        p.deadline = performance.now() + p.timeoutMs
        this.deadlines.arm(p.deadline)
      }
      this.pending.add(p)
      host.counters.inFlight++
    }
    if (!up.write(m.raw)) gate.pause(PauseReason.UPSTREAM_FULL)
  }

  /** Answers every waiting call with `err` (INTERNAL_ERROR); returns how many there were. */
  failAll(err: Error, outcome: RequestOutcome, cause: string): number {
    const calls = this.pending.takeAll()
    for (const p of calls) {
      this.deps.host.counters.inFlight--
      this.deps.ends.failed(p, err, outcome, cause)
    }
    return calls.length
  }

  /** The client is gone: its calls' handlers still learn of it (onFailure); nobody is answered. */
  clientClosed(): void {
    this.closed = true
    this.deadlines.clear()
    for (const p of this.pending.takeAll()) {
      this.deps.host.counters.inFlight--
      this.deps.ends.gone(p)
    }
  }

  /** Closes the upstream connection (the client connection is closing). */
  drop(): void {
    if (this.upstream === undefined) return
    this.upstream.close()
    this.upstream = undefined
    this.deps.host.counters.upstreamConnections--
  }

  // ---- UpstreamListener ----

  onUpstreamReply(r: Message): void {
    const p = this.pending.take(r.seqid)
    if (p === undefined) {
      this.deps.host.counters.unmatchedReplies++ // a reply to no call: nothing to deliver it to
      return
    }
    if (p.timedOut) return // the late reply of a call that already got INTERNAL_ERROR
    this.deps.host.counters.inFlight--
    this.deps.ends.replied(p, r)
    this.deps.callDone()
  }

  onUpstreamFailure(err: UpstreamError): void {
    const { host, connectionId } = this.deps
    this.upstream = undefined
    host.counters.upstreamConnections--
    const affected = this.failAll(err, 'upstream_error', describeCause(err.upstreamCause))
    // An upstream closing a connection with nothing in flight (its idle timeout) is not an error.
    if (affected > 0 || err.upstreamCause !== 'closed') publishUpstreamError(connectionId, host.target.name, err.upstreamCause, affected)
    this.deps.gate.resume(PauseReason.UPSTREAM_FULL)
    this.deps.callDone()
  }

  onUpstreamDrain(): void {
    this.deps.gate.resume(PauseReason.UPSTREAM_FULL)
  }

  onUpstreamBatch(start: boolean): void {
    if (start) this.deps.writer.begin()
    else this.deps.writer.end()
  }

  // ---- request timeouts ----

  private onDeadline(): void {
    if (this.closed) return
    // Timers may fire up to a millisecond before the deadline they were computed for.
    const { due, next } = this.pending.expired(performance.now() + 1)
    for (const p of due) this.timeOut(p)
    if (next < Infinity) this.deadlines.arm(next)
  }

  private timeOut(p: PendingCall): void {
    if (p.timedOut || this.closed) return
    const { host, connectionId } = this.deps
    this.pending.markTimedOut(p)
    host.counters.inFlight--
    const name = host.target.name
    const err = new ProxyError(ProxyErrorCode.UPSTREAM_TIMEOUT, `upstream ${name}: ${p.message.name} timed out after ${p.timeoutMs}ms`)
    this.deps.ends.failed(p, err, 'timeout', 'timeout')
    publishUpstreamError(connectionId, name, 'timeout', 1)
    // Tombstones wait for late replies; an upstream that answers none of them is hung: let it go.
    if (this.pending.tombstones > host.options.limits.maxInFlightPerConnection && this.upstream !== undefined) {
      const up = this.upstream
      up.close()
      this.onUpstreamFailure(new UpstreamError(name, 'closed', 'closed by thriftgate: too many calls timed out'))
    }
    this.deps.callDone()
  }

  // ---- the connection ----

  private connect(): UpstreamConnection | undefined {
    const host = this.deps.host
    if (host.target.backoff.blockedForMs() > 0) return undefined
    host.counters.upstreamConnections++
    return new UpstreamConnection(host.target, this)
  }

  private reconnect(): UpstreamConnection | undefined {
    this.upstream = this.connect()
    if (this.deps.writer.isFull) this.upstream?.pauseReading()
    return this.upstream
  }
}
