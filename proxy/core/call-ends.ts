// How each call of one client connection ends, in one place: the handlers are told (onReply,
// onFailure, then onSettled for those that took part), and the client gets its answer, in the order
// the calls ended, after the handlers that may hold it (reply-queue.ts). A call ends exactly once:
//   answered  a handler answered locally (the ones before it learn it through onSettled)
//   replied   the upstream replied; the reply leaves after onReply
//   failed    forwarded, no reply (timeout, upstream lost): the error leaves after onFailure
//   unsent    never reached the upstream (backoff; the client left while handlers decided)
//   gone      forwarded, then the client left: onFailure runs, nobody is left to answer
//   oneway    forwarded, no reply expected
import { TApplicationExceptionType, type Message } from '../codec/index.js'
import { errorReply } from './error-reply.js'
import { ProxyError, ProxyErrorCode } from './errors.js'
import { channels, type RequestOutcome } from './events.js'
import { answeredEnd, runOnFailure, runOnReply, runOnSettled, type HandlerErrorSink, type HandlerSet } from './handler-runner.js'
import type { CallEnd } from './handlers.js'
import { DEFAULTS } from './options.js'
import type { PendingCall } from './pending.js'
import { publishRequest } from './publish.js'
import { replyOutcome } from './reply-kind.js'
import { ReplyQueue } from './reply-queue.js'
import type { ClientWriter } from './client-writer.js'

export interface CallEndsHost {
  readonly id: number
  readonly handlers: HandlerSet
  readonly writer: ClientWriter
  /** Whether answers can still be written (the client is there and our side not ended). */
  writable(): boolean
  /** The configured default request timeout (holdBudgetMs). */
  readonly holdFloorMs: number
  /** Held answers just left. */
  flushed(): void
  readonly onHandlerError: HandlerErrorSink
}

/**
 * How long handlers may hold a call's answer: the call's own timeout or the configured default
 * request timeout, whichever is longer (the default, 30 s, when neither is set). Generous on
 * purpose: it is a backstop against a handler that hangs, not a budget handlers are expected to
 * use (the cache's Redis operations have their own, much shorter timeouts), and cutting a write's
 * invalidation short could let the client read a stale entry.
 */
export function holdBudgetMs(p: PendingCall, floorMs: number): number {
  return Math.max(p.timeoutMs, floorMs > 0 ? floorMs : DEFAULTS.requestTimeoutMs)
}

export class CallEnds {
  private readonly queue: ReplyQueue

  constructor(private readonly host: CallEndsHost) {
    this.queue = new ReplyQueue({
      reply: this.deliver,
      pieces: (pieces) => {
        if (host.writable()) host.writer.pieces(pieces)
      },
      flushed: () => host.flushed(),
      overdue: (p, stage, holdMs) => {
        const err = new ProxyError(ProxyErrorCode.HANDLER_FAILED, `${stage} handlers still running after ${holdMs}ms: the answer was released without them`)
        host.onHandlerError(stage, p, err)
      },
    })
  }

  /** True while answers wait for handlers. */
  get holding(): boolean {
    return !this.queue.isEmpty
  }

  /** How many answers wait for handlers (they count against the in-flight cap). */
  get held(): number {
    return this.queue.length
  }

  /**
   * A handler answered locally (a oneway call gets no reply even then: nothing would read it). It
   * goes out at once, even past answers held for handlers (docs/connection-model.md: clients match
   * replies by seqid); queueing it would also let a client pipelining cache hits grow the queue
   * without bound while one write is held, out of reach of the writer's backpressure.
   */
  answered(p: PendingCall, reply: Buffer[], oneway: boolean): void {
    this.settleAnswered(p, reply)
    if (!oneway && this.host.writable()) this.host.writer.pieces(reply)
    if (channels.request.hasSubscribers) publishRequest(this.host.id, p, 'local', reply.reduce((n, b) => n + b.length, 0))
  }

  /** Handlers before the one that answered learn it (no allocation when none listens). */
  settleAnswered(p: PendingCall, reply: Buffer[]): void {
    const hs = this.host.handlers
    if (hs.onSettled.length > 0 && (hs.onSettledAt[0] as number) < p.answeredBy) runOnSettled(hs, p, answeredEnd(hs, p, reply), this.host.onHandlerError)
  }

  replied(p: PendingCall, r: Message): void {
    const hs = this.host.handlers
    let wait = hs.onReply.length > 0 ? runOnReply(hs.onReply, p, r, this.host.onHandlerError) : undefined
    if (hs.onSettled.length > 0) wait = this.settleAfter(p, { kind: 'replied', reply: r }, wait)
    if (wait === undefined && this.queue.isEmpty) this.deliver(p, r)
    else this.queue.add(p, r, wait, holdBudgetMs(p, this.host.holdFloorMs))
  }

  /** Forwarded, no reply: the client's error leaves once onFailure handlers are done. */
  failed(p: PendingCall, err: Error, outcome: RequestOutcome, cause: string): void {
    const hs = this.host.handlers
    let wait = hs.onFailure.length > 0 ? runOnFailure(hs.onFailure, p, cause, this.host.onHandlerError) : undefined
    if (hs.onSettled.length > 0) wait = this.settleAfter(p, { kind: 'failed', cause }, wait)
    publishRequest(this.host.id, p, outcome, 0)
    if (!this.host.writable()) return
    const pieces = errorReply(p.message, p.message.dialect, err.message, TApplicationExceptionType.INTERNAL_ERROR)
    if (wait === undefined && this.queue.isEmpty) this.host.writer.pieces(pieces)
    else this.queue.addPieces(p, pieces, wait, holdBudgetMs(p, this.host.holdFloorMs))
  }

  /** Never reached the upstream; `err` (if any) is the client's answer, at once like a local one. */
  unsent(p: PendingCall, err: Error | undefined, outcome: RequestOutcome, cause: string): void {
    const hs = this.host.handlers
    if (hs.onSettled.length > 0) runOnSettled(hs, p, { kind: 'unsent', cause }, this.host.onHandlerError)
    publishRequest(this.host.id, p, outcome, 0)
    if (err !== undefined && this.host.writable()) this.host.writer.pieces(errorReply(p.message, p.message.dialect, err.message, TApplicationExceptionType.INTERNAL_ERROR))
  }

  /** The client left while handlers decided (`reply`: what one answered): never forwarded. */
  abandoned(p: PendingCall, reply: Buffer[] | undefined): void {
    const hs = this.host.handlers
    if (reply !== undefined) this.settleAnswered(p, reply)
    else if (hs.onSettled.length > 0) runOnSettled(hs, p, { kind: 'unsent', cause: 'client disconnected' }, this.host.onHandlerError)
    publishRequest(this.host.id, p, 'client_gone', 0)
  }

  /** Forwarded, then the client left: the outcome is unknown, and nobody waits for an answer. */
  gone(p: PendingCall): void {
    const hs = this.host.handlers
    const cause = 'client disconnected'
    const wait = hs.onFailure.length > 0 ? runOnFailure(hs.onFailure, p, cause, this.host.onHandlerError) : undefined
    if (hs.onSettled.length > 0) void this.settleAfter(p, { kind: 'failed', cause }, wait)
    publishRequest(this.host.id, p, 'client_gone', 0)
  }

  oneway(p: PendingCall): void {
    const hs = this.host.handlers
    if (hs.onSettled.length > 0) runOnSettled(hs, p, { kind: 'oneway' }, this.host.onHandlerError)
    publishRequest(this.host.id, p, 'oneway', 0)
  }

  /** The exception sent before closing on a protocol error: after the answers still held. */
  send(pieces: readonly Buffer[]): void {
    if (this.queue.isEmpty) this.host.writer.pieces(pieces)
    else this.queue.addPieces(undefined, pieces, undefined, 0)
  }

  /** The client is gone: drop what is held (handlers still finish). */
  clear(): void {
    this.queue.clear()
  }

  private settleAfter(p: PendingCall, end: CallEnd, wait: Promise<void> | undefined): Promise<void> | undefined {
    if (wait === undefined) {
      runOnSettled(this.host.handlers, p, end, this.host.onHandlerError)
      return undefined
    }
    return wait.then(() => runOnSettled(this.host.handlers, p, end, this.host.onHandlerError))
  }

  private readonly deliver = (p: PendingCall, r: Message): void => {
    if (!this.host.writable()) return
    this.host.writer.reply(r.raw)
    if (p.startedAt > 0 && channels.request.hasSubscribers) publishRequest(this.host.id, p, replyOutcome(r), r.raw.length)
  }
}
