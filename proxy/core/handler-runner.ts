// Runs the registered CallHandlers for one call, in registration order. Stays synchronous until a
// handler returns a promise, so handlers that answer from memory cost no promise per message.
// A handler that throws or rejects is reported and skipped: the upstream stays the source of truth.
import type { Message } from '../codec/index.js'
import type { CallContext, CallHandler } from './handlers.js'

export type HandlerStage = 'onCall' | 'onReply' | 'onFailure'
export type HandlerErrorSink = (stage: HandlerStage, ctx: CallContext, err: unknown) => void

/** Handlers split by hook, so the hot path asks one length instead of probing each handler. */
export class HandlerSet {
  readonly onCall: CallHandler[] = []
  readonly onReply: CallHandler[] = []
  readonly onFailure: CallHandler[] = []

  constructor(handlers: readonly CallHandler[] = []) {
    for (const h of handlers) this.add(h)
  }

  add(h: CallHandler): void {
    if (h.onCall) this.onCall.push(h)
    if (h.onReply) this.onReply.push(h)
    if (h.onFailure) this.onFailure.push(h)
  }
}

export function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

/** The first reply a handler offers, or undefined to forward; a promise only if some handler was async. */
export function runOnCall(
  hs: readonly CallHandler[],
  ctx: CallContext,
  onError: HandlerErrorSink,
  from = 0,
): Buffer[] | undefined | Promise<Buffer[] | undefined> {
  for (let i = from; i < hs.length; i++) {
    let r: Buffer[] | undefined | Promise<Buffer[] | undefined>
    try {
      r = (hs[i] as CallHandler).onCall?.(ctx)
    } catch (err) {
      onError('onCall', ctx, err)
      continue
    }
    if (r === undefined) continue
    if (!isPromiseLike<Buffer[] | undefined>(r)) return r
    const next = i + 1
    return Promise.resolve(r).then(
      (v) => (v !== undefined ? v : runOnCall(hs, ctx, onError, next)),
      (err: unknown) => {
        onError('onCall', ctx, err)
        return runOnCall(hs, ctx, onError, next)
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

/** Tells every onFailure; nothing waits for them (the client already has its answer). */
export function runOnFailure(hs: readonly CallHandler[], ctx: CallContext, cause: string, onError: HandlerErrorSink): void {
  for (const h of hs) {
    try {
      const r = h.onFailure?.(ctx, cause)
      if (isPromiseLike<void>(r)) Promise.resolve(r).catch((err: unknown) => onError('onFailure', ctx, err))
    } catch (err) {
      onError('onFailure', ctx, err)
    }
  }
}
