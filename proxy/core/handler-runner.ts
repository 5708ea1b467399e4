// Runs the registered CallHandlers for one call, in registration order. Stays synchronous until a
// handler returns a promise, so handlers that answer from memory cost no promise per message.
// A handler that throws or rejects is reported and skipped: the upstream stays the source of truth.
import type { Message } from '../codec/index.js'
import type { CallContext, CallEnd, CallHandler } from './handlers.js'

export type HandlerStage = 'onCall' | 'onReply' | 'onFailure' | 'onSettled'
export type HandlerErrorSink = (stage: HandlerStage, ctx: CallContext, err: unknown) => void

/** A call as the runner tracks it: which handler (registration position) answered it, -1 = none. */
export interface TrackedCall extends CallContext {
  answeredBy: number
}

/** Handlers split by hook, so the hot path asks one length instead of probing each handler. */
export class HandlerSet {
  readonly onCall: CallHandler[] = []
  /** Registration position of each onCall handler (parallel to onCall). */
  readonly onCallAt: number[] = []
  readonly onReply: CallHandler[] = []
  readonly onFailure: CallHandler[] = []
  readonly onSettled: CallHandler[] = []
  /** Registration position of each onSettled handler (parallel to onSettled, ascending). */
  readonly onSettledAt: number[] = []
  /** answersAsUpstream by registration position. */
  readonly asUpstream: boolean[] = []

  constructor(handlers: readonly CallHandler[] = []) {
    for (const h of handlers) this.add(h)
  }

  add(h: CallHandler): void {
    const at = this.asUpstream.length
    this.asUpstream.push(h.answersAsUpstream === true)
    if (h.onCall) {
      this.onCall.push(h)
      this.onCallAt.push(at)
    }
    if (h.onReply) this.onReply.push(h)
    if (h.onFailure) this.onFailure.push(h)
    if (h.onSettled) {
      this.onSettled.push(h)
      this.onSettledAt.push(at)
    }
  }
}

export function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

/** The first reply a handler offers, or undefined to forward; a promise only if some handler was async. */
export function runOnCall(
  set: HandlerSet,
  ctx: TrackedCall,
  onError: HandlerErrorSink,
  from = 0,
): Buffer[] | undefined | Promise<Buffer[] | undefined> {
  const hs = set.onCall
  for (let i = from; i < hs.length; i++) {
    let r: Buffer[] | undefined | Promise<Buffer[] | undefined>
    try {
      r = (hs[i] as CallHandler).onCall?.(ctx)
    } catch (err) {
      onError('onCall', ctx, err)
      continue
    }
    if (r === undefined) continue
    if (!isPromiseLike<Buffer[] | undefined>(r)) {
      ctx.answeredBy = set.onCallAt[i] as number
      return r
    }
    const next = i + 1
    return Promise.resolve(r).then(
      (v) => {
        if (v === undefined) return runOnCall(set, ctx, onError, next)
        ctx.answeredBy = set.onCallAt[next - 1] as number
        return v
      },
      (err: unknown) => {
        onError('onCall', ctx, err)
        return runOnCall(set, ctx, onError, next)
      },
    )
  }
  return undefined
}

/** Runs every onReply in order; a promise (never rejecting) if some handler was async. */
export function runOnReply(
  hs: readonly CallHandler[],
  ctx: CallContext,
  reply: Message,
  onError: HandlerErrorSink,
  from = 0,
): Promise<void> | undefined {
  for (let i = from; i < hs.length; i++) {
    let r: void | Promise<void>
    try {
      r = (hs[i] as CallHandler).onReply?.(ctx, reply)
    } catch (err) {
      onError('onReply', ctx, err)
      continue
    }
    if (!isPromiseLike<void>(r)) continue
    const next = i + 1
    return Promise.resolve(r).then(
      () => runOnReply(hs, ctx, reply, onError, next),
      (err: unknown) => {
        onError('onReply', ctx, err)
        return runOnReply(hs, ctx, reply, onError, next)
      },
    )
  }
  return undefined
}

/**
 * Runs every onFailure in order (like onReply: a handler may count on those before it having run);
 * a promise (never rejecting) if some handler was async.
 */
export function runOnFailure(
  hs: readonly CallHandler[],
  ctx: CallContext,
  cause: string,
  onError: HandlerErrorSink,
  from = 0,
): Promise<void> | undefined {
  for (let i = from; i < hs.length; i++) {
    let r: void | Promise<void>
    try {
      r = (hs[i] as CallHandler).onFailure?.(ctx, cause)
    } catch (err) {
      onError('onFailure', ctx, err)
      continue
    }
    if (!isPromiseLike<void>(r)) continue
    const next = i + 1
    return Promise.resolve(r).then(
      () => runOnFailure(hs, ctx, cause, onError, next),
      (err: unknown) => {
        onError('onFailure', ctx, err)
        return runOnFailure(hs, ctx, cause, onError, next)
      },
    )
  }
  return undefined
}

/** Tells onSettled to the handlers registered before the one that answered (all when none did). */
export function runOnSettled(set: HandlerSet, ctx: TrackedCall, end: CallEnd, onError: HandlerErrorSink): void {
  const hs = set.onSettled
  const upTo = ctx.answeredBy < 0 ? Infinity : ctx.answeredBy
  for (let i = 0; i < hs.length && (set.onSettledAt[i] as number) < upTo; i++) {
    try {
      ;(hs[i] as CallHandler).onSettled?.(ctx, end)
    } catch (err) {
      onError('onSettled', ctx, err)
    }
  }
}

/** What an answering handler's reply means to those before it (CallEnd 'answered'). */
export function answeredEnd(set: HandlerSet, ctx: TrackedCall, reply: readonly Buffer[]): CallEnd {
  return { kind: 'answered', reply, asUpstream: set.asUpstream[ctx.answeredBy] === true }
}
