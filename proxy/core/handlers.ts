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
  /** The call failed without a reply (timeout, connection lost): the outcome upstream is unknown. */
  onFailure?(ctx: CallContext, cause: string): void | Promise<void>
}
