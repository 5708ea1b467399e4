// The cache as a CallHandler (proxy/core handlers.ts). onCall answers reads from the in-process
// tier synchronously (no promise on a hit), else asks Redis, coalesces concurrent readers of one
// key, and forwards the leader's call; onReply stores the leader's reply and, for a configured
// write, invalidates before the write's reply is released; onFailure invalidates for a write whose
// outcome is unknown (the core holds the client's error until that is done); onSettled releases a
// leader whose call ended any other way (leader.ts: how a leader's flight and lease end). Redis
// problems never fail a call: they only make it a miss.
import { MessageType, replyFor, transcodeStruct, type Message } from '../codec/index.js'
import type { CallContext, CallEnd, CallHandler } from '../core/index.js'
import { answerMessage } from './answered.js'
import { freshness, type StoredEntry } from './entry.js'
import { Flight, type FlightAnswer } from './flight.js'
import { Refresher } from './refresh.js'
import { keyForCall, type EntryKey } from './keys.js'
import { completeLeader, giveUpLeader, type Leader } from './leader.js'
import type { FillToken, LocalEntry } from './local-tier.js'
import { UncachedReason } from './metrics.js'
import type { LookupResult } from './redis-tier.js'
import type { ReadRule } from './rules.js'
import { entryFromReply } from './store-entry.js'
import type { CacheTiers, Lease } from './tiers.js'
import { invalidationsFor } from './write-targets.js'

export interface ReadCacheOptions {
  /** Replies bigger than this are not cached (reason too_large). */
  readonly maxEntryBytes: number
  /** How long a reader waits for another sidecar's lease before fetching itself (without filling). */
  readonly leaseWaitMs: number
  /** How long coalesced readers wait for their leader at most before forwarding themselves. */
  readonly flightTimeoutMs: number
  /**
   * Proxy-originated calls (the core's pool) for background refresh (`grace`) and stale-on-error
   * (`keep`). Without it both degrade to an ordinary miss.
   */
  readonly fetch: ((request: Message) => Promise<Message>) | undefined
}

export const DEFAULT_READ_CACHE: ReadCacheOptions = { maxEntryBytes: 1 << 20, leaseWaitMs: 100, flightTimeoutMs: 30_000, fetch: undefined }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export class ReadCache implements CallHandler {
  readonly tiers: CacheTiers
  readonly options: ReadCacheOptions
  readonly #flights = new Map<string, Flight>()
  readonly #leaders = new WeakMap<CallContext, Leader>()
  readonly #refresher: Refresher

  constructor(tiers: CacheTiers, options: Partial<ReadCacheOptions> = {}) {
    this.tiers = tiers
    this.options = { ...DEFAULT_READ_CACHE, ...options }
    this.#refresher = new Refresher(tiers, this.options.fetch, this.options.maxEntryBytes)
  }

  onCall(ctx: CallContext): Buffer[] | undefined | Promise<Buffer[] | undefined> {
    const m = ctx.message
    // Oneway calls have no reply to cache (and old Java clients send them as CALL: the core knows
    // those from the IDL and never lets them reach a read rule's reply path).
    const rule = m.type === MessageType.CALL ? this.tiers.rules.reads.get(m.name) : undefined
    const metrics = this.tiers.metrics
    if (rule === undefined) {
      if (!this.tiers.rules.writes.has(m.name)) metrics.uncached.not_configured++
      return undefined
    }
    let key: EntryKey
    try {
      key = keyForCall(rule, m)
    } catch {
      metrics.uncached.error++ // args the codec cannot read: the upstream answers (and explains)
      return undefined
    }
    let stale: StoredEntry | undefined
    const local = this.tiers.local
    if (local !== undefined) {
      const e = local.get(key.local, rule.slot)
      if (e !== undefined) {
        const f = freshness(e.entry, Date.now())
        if (f === 'fresh') {
          metrics.hitsMemory++
          return this.#answerLocal(m, key, e)
        }
        if (f === 'grace') {
          metrics.staleServed++
          this.#refresher.refresh(key, m)
          return this.#answerLocal(m, key, e)
        }
        if (f === 'keep') stale = e.entry
      }
    }
    const flight = this.#flights.get(key.local)
    if (flight !== undefined) {
      if (flight.joinable()) {
        metrics.coalescedWaits++
        return flight.wait().then((a) => (a === undefined ? undefined : this.#answer(m, a)))
      }
      // A write's invalidation passed since that fetch began: it may return the overwritten value,
      // which this reader (maybe invoked after the write's reply) must not get. It leads its own
      // fetch; the old flight still answers the readers that joined it before the write finished.
      this.#flights.delete(key.local)
    }
    const redis = this.tiers.redis
    if (local === undefined && (redis === undefined || !redis.usable)) {
      metrics.uncached.bypass++
      return undefined
    }
    return this.#leadSafely(ctx, key, stale)
  }

  /** A bug in the read path must not leave readers waiting on a flight that never finishes. */
  async #leadSafely(ctx: CallContext, key: EntryKey, stale: StoredEntry | undefined): Promise<Buffer[] | undefined> {
    try {
      return await this.#lead(ctx, key, stale)
    } catch (err) {
      this.#flights.get(key.local)?.finish(undefined)
      throw err
    }
  }

  onReply(ctx: CallContext, reply: Message): void | Promise<void> {
    const leader = this.#leaders.get(ctx)
    if (leader !== undefined) {
      this.#leaders.delete(ctx)
      completeLeader(this.tiers, this.options.maxEntryBytes, leader, reply)
      return undefined
    }
    if (this.tiers.rules.writes.size === 0) return undefined
    const w = this.tiers.rules.writes.get(ctx.message.name)
    if (w === undefined || w.targets.length === 0) return undefined
    // Write-driven invalidation: the core holds this write's reply until the promise resolves.
    return this.tiers.invalidate(invalidationsFor(w, ctx.message))
  }

  onFailure(ctx: CallContext, _cause: string): void | Promise<void> {
    const leader = this.#leaders.get(ctx)
    if (leader !== undefined) {
      this.#leaders.delete(ctx)
      this.tiers.metrics.uncached.error++
      giveUpLeader(this.tiers, leader)
      return undefined
    }
    const w = this.tiers.rules.writes.get(ctx.message.name)
    // Outcome unknown: the write may have happened, so invalidate as if it did.
    if (w !== undefined && w.targets.length > 0) return this.tiers.invalidate(invalidationsFor(w, ctx.message))
    return undefined
  }

  /**
   * The call is over. What matters here is a leader not completed by onReply/onFailure: a later
   * handler answered its call (the index answered a lookup this cache also reads), or it never
   * reached the upstream. Its coalesced readers must not wait for the flight's safety net. An
   * answer from a handler that answers as the upstream would (answersAsUpstream: the index's
   * verified lookups) is stored and shared like an upstream reply: the readers asked the same
   * question concurrently, and the fill token/lease taken when the flight began still rejects it
   * if a write invalidated the key meanwhile. Any other ending, or an answer that may depend on
   * the caller (an auth or rate-limit handler), is not shared: the readers go on down the handler
   * chain on their own, where the same later handler sees each of them, or they forward.
   */
  onSettled(ctx: CallContext, end: CallEnd): void {
    const leader = this.#leaders.get(ctx)
    if (leader === undefined) return
    this.#leaders.delete(ctx)
    const reply = end.kind === 'answered' && end.asUpstream ? answerMessage(ctx.message.dialect, end.reply) : undefined
    if (reply !== undefined) return completeLeader(this.tiers, this.options.maxEntryBytes, leader, reply)
    this.tiers.metrics.uncached[end.kind === 'answered' ? 'bypass' : 'error']++
    giveUpLeader(this.tiers, leader)
  }

  async #lead(ctx: CallContext, key: EntryKey, localStale: StoredEntry | undefined): Promise<Buffer[] | undefined> {
    const m = ctx.message
    const metrics = this.tiers.metrics
    const local = this.tiers.local
    const token = local?.token(key.rule.slot)
    const seq = this.tiers.invalidations
    // Joinable until an invalidation that may cover the key: per key with the in-process tier, else any.
    const joinable = token !== undefined ? () => local!.valid(key.local, key.rule.slot, token) : () => this.tiers.invalidations === seq
    const flight: Flight = new Flight(
      this.options.flightTimeoutMs,
      () => {
        if (this.#flights.get(key.local) === flight) this.#flights.delete(key.local)
      },
      joinable,
    )
    this.#flights.set(key.local, flight)
    let stale = localStale
    let lease: Lease | undefined
    const redis = this.tiers.redis
    if (redis !== undefined && redis.usable) {
      try {
        const rk = redis.keys.entry(key.rule.methodId, key.bytes)
        let r = await redis.lookup(rk, Date.now(), true)
        if (r.state === 'held' && !(r.entry !== undefined && freshness(r.entry, Date.now()) === 'grace')) r = await this.#waitForHolder(rk, r)
        if (r.state === 'fresh' && r.entry !== undefined) {
          metrics.hitsRedis++
          this.tiers.store(key, token, undefined, r.entry, false)
          return this.#finish(m, flight, r.entry)
        }
        if (r.entry !== undefined && (stale === undefined || r.entry.storedAt > stale.storedAt)) stale = r.entry
        if (r.state === 'leased') lease = { keys: rk, gen: r.gen, token: r.token }
        else if (r.state === 'held' && stale !== undefined && freshness(stale, Date.now()) === 'grace') {
          // Another sidecar is refreshing it: serve the stale copy meanwhile.
          metrics.staleServed++
          return this.#finish(m, flight, stale)
        }
      } catch {
        // Redis failed or is unusable: the in-process tier and the upstream carry on.
      }
    }
    if (stale !== undefined) {
      const f = freshness(stale, Date.now())
      if (f === 'grace') {
        metrics.staleServed++
        this.#refresher.refresh(key, m, lease)
        return this.#finish(m, flight, stale)
      }
      if (f === 'keep' && this.options.fetch !== undefined) return this.#fetchOrStale(m, key, flight, token, lease, stale)
    }
    metrics.misses++
    this.#leaders.set(ctx, { key, flight, token, lease })
    return undefined
  }

  /** Another sidecar holds the lease: poll briefly for its fill (or for the lease to pass to us). */
  async #waitForHolder(rk: Lease['keys'], first: LookupResult): Promise<LookupResult> {
    const redis = this.tiers.redis
    if (redis === undefined) return first
    const deadline = Date.now() + this.options.leaseWaitMs
    let r = first
    while (r.state === 'held' && Date.now() < deadline) {
      await sleep(5)
      r = await redis.lookup(rk, Date.now(), true)
    }
    return r
  }

  /** `keep`: ask the upstream through the pool; if it fails or times out, serve the stale entry. */
  async #fetchOrStale(m: Message, key: EntryKey, flight: Flight, token: FillToken | undefined, lease: Lease | undefined, stale: StoredEntry): Promise<Buffer[] | undefined> {
    const metrics = this.tiers.metrics
    metrics.misses++
    let reply: Message | undefined
    try {
      reply = await (this.options.fetch as (r: Message) => Promise<Message>)(m)
    } catch {
      reply = undefined
    }
    if (reply !== undefined) {
      const v = entryFromReply(key.rule, reply, this.options.maxEntryBytes, Date.now())
      if (v.ok) {
        this.tiers.store(key, token, lease, v.entry)
        return this.#finish(m, flight, v.entry)
      }
      if (v.shareable !== undefined) {
        metrics.uncached[v.reason]++
        if (lease !== undefined) void this.tiers.redis?.release(lease.keys, lease.token)
        flight.finish({ result: v.shareable, negative: false })
        return replyFor(m, v.shareable, 'binary')
      }
    }
    if (lease !== undefined) void this.tiers.redis?.release(lease.keys, lease.token)
    metrics.staleServed++
    return this.#finish(m, flight, stale)
  }

  #finish(m: Message, flight: Flight, e: StoredEntry): Buffer[] {
    const a: FlightAnswer = { result: e.result, negative: e.kind === 'negative' }
    flight.finish(a)
    return this.#answer(m, a)
  }

  #answer(m: Message, a: FlightAnswer): Buffer[] {
    if (a.negative) this.tiers.metrics.negativeHits++
    return replyFor(m, a.result, 'binary')
  }

  /** A hit from the in-process tier; a compact client's copy is transcoded once and kept. */
  #answerLocal(m: Message, key: EntryKey, e: LocalEntry): Buffer[] {
    if (e.entry.kind === 'negative') this.tiers.metrics.negativeHits++
    if (m.dialect.protocol === 'binary') return replyFor(m, e.entry.result, 'binary')
    let c = e.compact
    if (c === undefined) {
      c = transcodeStruct(e.entry.result, 0, 'binary', 'compact')
      this.tiers.local?.addCompact(key.local, e, c)
    }
    return replyFor(m, c, 'compact')
  }
}
