// Fetches entities by primary key for lookups and verification: the entity's configured `get`,
// through the read cache when there is one (a hit costs no upstream call; a miss fills the cache
// like any reader's call would) and otherwise through the proxy's own upstream pool.

import { tv, type Dialect, type Message, type TValue } from '../codec/index.js'
import type { CallContext, CallHandler } from '../core/index.js'
import { buildCall, parseReply } from './calls.js'
import type { EntityModel } from './entity-model.js'
import { IndexError, IndexErrorCode } from './errors.js'

/** Sends a CALL upstream and resolves with its reply (the core's UpstreamPool.call). */
export type UpstreamCall = (request: Message) => Promise<Message>

export interface FetchOptions {
  readonly upstream: UpstreamCall
  /** The read cache's CallHandler (ThriftCache.handler), if any. */
  readonly cache?: CallHandler | undefined
}

/** Ids for the synthetic contexts the cache sees: negative, so they never collide with clients'. */
let nextConnectionId = -1

export class EntityFetcher {
  constructor(private readonly opts: FetchOptions) {}

  /** The name to call `method` by, mirroring how `like` named its method (multiplexed or not). */
  static wireName(like: { readonly service: string | undefined }, method: string): string {
    return like.service === undefined ? method : `${like.service}:${method}`
  }

  /** The upstream's (or the cache's) reply to `get(pk)` in dialect `d`. */
  async get(model: EntityModel, pk: TValue, d: Dialect, service: string | undefined): Promise<Message> {
    const call = buildCall(d, EntityFetcher.wireName({ service }, model.get.method), tv.struct([tv.field(model.get.argId, pk)]))
    return this.call(call)
  }

  /** One call through the cache (if it handles the method) or the pool. */
  async call(message: Message): Promise<Message> {
    const ctx: CallContext = { message, connectionId: nextConnectionId-- }
    const cache = this.opts.cache
    const hit = cache?.onCall === undefined ? undefined : await cache.onCall(ctx)
    if (hit !== undefined) {
      const m = parseReply(message.dialect, hit)
      if (m === undefined) throw new IndexError(IndexErrorCode.UPSTREAM, `the cache answered ${message.method} with an incomplete message`)
      return m
    }
    let reply: Message
    try {
      reply = await this.opts.upstream(message)
    } catch (err) {
      // The cache made this call a leader of its key: release it, or coalesced readers wait.
      await cache?.onFailure?.(ctx, (err as Error).message)
      throw new IndexError(IndexErrorCode.UPSTREAM, `${message.method} for the index failed: ${(err as Error).message}`, { cause: err })
    }
    await cache?.onReply?.(ctx, reply)
    return reply
  }
}
