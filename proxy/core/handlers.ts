// The hook through which the cache and the index answer or observe calls without the core knowing
// about them (docs/ARCHITECTURE.md, "The proxy core"). Handlers run in registration order.
import type { Message } from '../codec/index.js'

export interface CallContext {
  /** The client's call exactly as received (views onto received bytes: copy before keeping). */
  readonly message: Message
  /** The client connection it came from (stable for the connection's life). */
  readonly connectionId: number
}

export interface CallHandler {
  /**
   * Return a complete reply (pieces in the client's dialect, e.g. from `replyFor`) to send instead of
   * forwarding, or undefined to forward. May be async (a cache lookup): the connection then waits
   * before handling its next call, so calls reach the upstream in the order the client sent them.
   */
  onCall?(ctx: CallContext): Buffer[] | undefined | Promise<Buffer[] | undefined>
  /**
   * Sees the upstream's reply before the client does; the client gets the reply after this resolves
   * (write-driven invalidation holds the reply until caches are clean). Not called for a late reply
   * to a call that already timed out.
   */
  onReply?(ctx: CallContext, reply: Message): void | Promise<void>
  /**
   * The call was forwarded and failed without a reply (timeout, connection lost, client gone): the
   * outcome upstream is unknown. The client's error reply waits for this to resolve (so a write's
   * invalidation lands before the client can read again), bounded by the call's timeout.
   */
  onFailure?(ctx: CallContext, cause: string): void | Promise<void>
  /**
   * The call is over, however it ended: told once per call to every handler registered before the
   * one that answered it (all handlers when none did), after onReply/onFailure. The one place a
   * handler whose onCall kept state for the call (a cache leading a coalesced fetch) learns that a
   * later handler answered, or that the call never reached the upstream. Synchronous: it cannot
   * hold the answer. Cost-free for the core when no handler defines it.
   */
  onSettled?(ctx: CallContext, end: CallEnd): void
  /**
   * True when this handler's local answers are exactly what the upstream would answer to the same
   * call (the index's verified lookups): handlers before it may treat such an answer like an
   * upstream reply (store it, share it with coalesced readers). See CallEnd 'answered'.
   */
  readonly answersAsUpstream?: boolean
}

/** How a call ended (CallHandler.onSettled). */
export type CallEnd =
  /**
   * A later handler answered locally with `reply` (pieces in the client's dialect; views: copy before
   * keeping). `asUpstream`: that handler's answersAsUpstream. Also told when the client left before
   * the answer could be written: the answer itself was still made.
   */
  | { readonly kind: 'answered'; readonly reply: readonly Buffer[]; readonly asUpstream: boolean }
  /** The upstream replied (onReply handlers have run). */
  | { readonly kind: 'replied'; readonly reply: Message }
  /** Forwarded, no reply (timeout, upstream lost, client gone): outcome unknown (onFailure has run). */
  | { readonly kind: 'failed'; readonly cause: string }
  /** Never reached the upstream (it was in reconnect backoff, or the client left first). */
  | { readonly kind: 'unsent'; readonly cause: string }
  /** Forwarded as oneway: no reply will come. */
  | { readonly kind: 'oneway' }
