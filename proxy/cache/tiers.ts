// The two tiers together, and the operations that must touch both in the right order: storing a
// fetched reply and invalidating. Invalidation order matters (issue 4, item 5):
//  1. drop the in-process copy, so local readers stop hitting it at once;
//  2. delete in Redis (entry and lease: in-flight fills are then rejected);
//  3. publish, so other sidecars drop their in-process copies;
//  4. drop the in-process copy again: a local reader that read Redis between 1 and 2 got the old
//     value with a fill token newer than step 1; step 4 voids that token.
// The write's reply is released only after all four.
import type { BusMessage, InvalidationBus } from './bus.js'
import type { StoredEntry } from './entry.js'
import type { EntryKey } from './keys.js'
import type { FillToken, LocalTier } from './local-tier.js'
import type { CacheMetrics } from './metrics.js'
import type { InvalidationOp } from './pending.js'
import type { RedisEntryKeys } from './redis-keys.js'
import type { RedisTier } from './redis-tier.js'
import type { ReadRule, RuleSet } from './rules.js'

export type InvalidationItem = { readonly kind: 'key'; readonly key: EntryKey } | { readonly kind: 'method'; readonly rule: ReadRule }

export interface Lease {
  readonly keys: RedisEntryKeys
  readonly gen: string
  readonly token: string
}

/** Bus messages that could not be published, kept for the next chance; past this, "flush all". */
const MAX_UNPUBLISHED = 1_000

export class CacheTiers {
  readonly local: LocalTier | undefined
  readonly redis: RedisTier | undefined
  readonly bus: InvalidationBus | undefined
  readonly rules: RuleSet
  readonly metrics: CacheMetrics
  #unpublished: BusMessage[] = []
  #invalidations = 0

  /**
   * Counts invalidations begun here or received from other sidecars (any key): a coalesced fetch
   * begun before one may have read the value it drops, so later readers must not join it
   * (ReadCache). The in-process tier's per-key check is used instead when there is one.
   */
  get invalidations(): number {
    return this.#invalidations
  }

  constructor(rules: RuleSet, metrics: CacheMetrics, local: LocalTier | undefined, redis?: RedisTier, bus?: InvalidationBus) {
    this.rules = rules
    this.metrics = metrics
    this.local = local
    this.redis = redis
    this.bus = bus
    redis?.onBreakerChange((s) => {
      if (s === 'closed') void this.#flushUnpublished()
    })
  }

  /** Stores a fetched entry: in-process if the token still holds, in Redis if the lease does. */
  store(key: EntryKey, token: FillToken | undefined, lease: Lease | undefined, entry: StoredEntry, fromUpstream = true): void {
    if (token !== undefined && this.local !== undefined) {
      if (!this.local.fill(key.local, key.rule.slot, token, entry)) this.metrics.rejectedStaleSets++
    }
    if (lease !== undefined && this.redis !== undefined) {
      this.redis.fill(lease.keys, lease.gen, lease.token, entry).catch(() => undefined)
    }
    if (fromUpstream) this.metrics.fills++
  }

  async invalidate(items: readonly InvalidationItem[]): Promise<void> {
    if (items.length === 0) return
    this.#invalidations++
    this.metrics.invalidationsSent += items.length
    this.#dropLocal(items)
    const redis = this.redis
    if (redis === undefined) return
    const ops: InvalidationOp[] = []
    const msgs: BusMessage[] = []
    for (const it of items) {
      if (it.kind === 'key') {
        ops.push({ kind: 'key', methodId: it.key.rule.methodId, keys: redis.keys.entry(it.key.rule.methodId, it.key.bytes) })
        msgs.push({ kind: 'key', methodId: it.key.rule.methodId, key: it.key.local })
      } else {
        ops.push({ kind: 'method', methodId: it.rule.methodId })
        msgs.push({ kind: 'method', methodId: it.rule.methodId })
      }
    }
    await redis.invalidate(ops)
    // With the breaker open a publish would only wait for its timeout: keep the messages for later.
    if (redis.breaker.closed) await this.#publish(msgs)
    else this.#keepUnpublished(msgs)
    this.#dropLocal(items)
  }

  /** An invalidation from another sidecar. */
  applyRemote(m: BusMessage): void {
    this.metrics.invalidationsReceived++
    this.#invalidations++
    const local = this.local
    if (local === undefined) return
    if (m.kind === 'key') local.invalidateKey(m.key)
    else if (m.kind === 'method') {
      const rule = this.rules.byMethodId.get(m.methodId)
      if (rule !== undefined) local.invalidateMethod(rule.slot)
    } else local.clear()
  }

  flushLocal(): void {
    this.local?.clear()
  }

  #dropLocal(items: readonly InvalidationItem[]): void {
    const local = this.local
    if (local === undefined) return
    for (const it of items) {
      if (it.kind === 'key') local.invalidateKey(it.key.local)
      else local.invalidateMethod(it.rule.slot)
    }
  }

  async #publish(msgs: BusMessage[]): Promise<void> {
    const bus = this.bus
    if (bus === undefined) return
    const all = this.#unpublished.length > 0 ? [...this.#unpublished, ...msgs] : msgs
    this.#unpublished = []
    const timeoutMs = this.redis?.options.timeoutMs ?? 250
    const failed: BusMessage[] = []
    await Promise.all(
      all.map(async (m) => {
        let timer: NodeJS.Timeout | undefined
        try {
          await Promise.race([bus.publish(m), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('publish timeout')), timeoutMs)))])
        } catch {
          failed.push(m)
        } finally {
          clearTimeout(timer)
        }
      }),
    )
    if (failed.length > 0) this.#keepUnpublished(failed)
  }

  #keepUnpublished(msgs: readonly BusMessage[]): void {
    const all = [...this.#unpublished, ...msgs]
    this.#unpublished = all.length > MAX_UNPUBLISHED ? [{ kind: 'all' }] : all
  }

  async #flushUnpublished(): Promise<void> {
    if (this.#unpublished.length > 0) await this.#publish([])
  }
}
