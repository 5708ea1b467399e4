// The shared tier: entries in Redis (or Cluster/Sentinel through ioredis), read and filled through
// the lease scripts, with a per-operation timeout and a circuit breaker so a slow or dead Redis
// never fails or stalls a client call for long. Invalidations that cannot reach Redis are queued
// (pending.ts) and replayed before Redis is read again, so an outage cannot resurrect old data.
import { randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js'
import { decodeEntry, encodeEntry, type StoredEntry } from './entry.js'
import { CacheError, CacheErrorCode } from './errors.js'
import type { CacheMetrics } from './metrics.js'
import { PendingInvalidations, type InvalidationOp } from './pending.js'
import type { RedisEntryKeys, RedisKeyspace } from './redis-keys.js'
import { FILL_LUA, LOOKUP_LUA, RELEASE_LUA } from './redis-scripts.js'

export type RedisClient = Redis | Cluster

export interface RedisTierOptions {
  /** Per-command timeout. */
  readonly timeoutMs: number
  /** How long a lease holds: the longest upstream fetch whose fill is still accepted. */
  readonly leaseMs: number
  readonly breaker: Partial<BreakerOptions>
  /** Queued invalidations kept key by key; past this they collapse into method-wide ones. */
  readonly maxPending: number
}

export const DEFAULT_REDIS_TIER: RedisTierOptions = { timeoutMs: 250, leaseMs: 5_000, breaker: {}, maxPending: 10_000 }

/** 'fresh' value; 'leased': we hold the lease (value absent or stale); 'held': another reader does; 'none': no lease asked. */
export type LeaseState = 'fresh' | 'leased' | 'held' | 'none'

export interface LookupResult {
  readonly gen: string
  readonly entry: StoredEntry | undefined
  readonly state: LeaseState
  /** Our lease token when state is 'leased'. */
  readonly token: string
}

interface ScriptClient {
  tgLookupBuffer(g: string, d: string, l: string, now: number, token: string, leaseMs: number): Promise<[Buffer, Buffer | null, Buffer]>
  tgFill(g: string, d: string, l: string, gen: string, token: string, value: Buffer, px: number): Promise<number>
  tgRelease(l: string, token: string): Promise<number>
}

const STATE: Record<string, LeaseState> = { f: 'fresh', l: 'leased', h: 'held', n: 'none' }

export class RedisTier {
  readonly client: RedisClient
  readonly keys: RedisKeyspace
  readonly options: RedisTierOptions
  readonly breaker: CircuitBreaker
  readonly pending: PendingInvalidations
  readonly #metrics: CacheMetrics
  readonly #scripts: ScriptClient
  readonly #tokenPrefix = randomBytes(6).toString('base64url')
  #tokenSeq = 0
  #probe: NodeJS.Timeout | undefined
  #replaying: Promise<void> | undefined
  #closed = false
  readonly #stateListeners: ((s: BreakerState) => void)[] = []

  constructor(client: RedisClient, keys: RedisKeyspace, metrics: CacheMetrics, options: Partial<RedisTierOptions> = {}) {
    this.client = client
    this.keys = keys
    this.options = { ...DEFAULT_REDIS_TIER, ...options }
    this.#metrics = metrics
    this.pending = new PendingInvalidations(this.options.maxPending)
    this.breaker = new CircuitBreaker(this.options.breaker, (s) => {
      if (s === 'open') this.#startProbing()
      for (const f of this.#stateListeners) f(s)
    })
    client.defineCommand('tgLookup', { numberOfKeys: 3, lua: LOOKUP_LUA })
    client.defineCommand('tgFill', { numberOfKeys: 3, lua: FILL_LUA })
    client.defineCommand('tgRelease', { numberOfKeys: 1, lua: RELEASE_LUA })
    this.#scripts = client as unknown as ScriptClient
  }

  /** Redis may be read: the breaker is closed and no invalidation is waiting to be replayed. */
  get usable(): boolean {
    return this.breaker.closed && this.pending.size === 0
  }

  onBreakerChange(f: (s: BreakerState) => void): void {
    this.#stateListeners.push(f)
  }

  /** A fresh entry, or a lease decision for an absent/stale one. Throws CacheError when Redis fails. */
  async lookup(k: RedisEntryKeys, now: number, takeLease: boolean): Promise<LookupResult> {
    const token = takeLease ? `${this.#tokenPrefix}.${++this.#tokenSeq}` : ''
    const [gen, value, state] = await this.#run(() => this.#scripts.tgLookupBuffer(k.gen, k.data, k.lease, now, token, this.options.leaseMs))
    let entry: StoredEntry | undefined
    if (value !== null) {
      try {
        entry = decodeEntry(value).entry
      } catch {
        entry = undefined // a foreign value under our prefix: a miss, overwritten by the next fill
      }
    }
    return { gen: gen.toString('latin1'), entry, state: STATE[state.toString('latin1')] ?? 'none', token }
  }

  /** Stores `entry` if our lease still holds. Returns false when rejected (an invalidation came first). */
  async fill(k: RedisEntryKeys, gen: string, token: string, entry: StoredEntry): Promise<boolean> {
    const px = Math.max(1, entry.keepUntil - Date.now())
    const r = await this.#run(() => this.#scripts.tgFill(k.gen, k.data, k.lease, gen, token, encodeEntry(entry, gen), px))
    if (r !== 1) this.#metrics.rejectedStaleSets++
    return r === 1
  }

  /** Gives up a lease (the fetch failed); errors are ignored: the lease expires on its own. */
  async release(k: RedisEntryKeys, token: string): Promise<void> {
    try {
      await this.#run(() => this.#scripts.tgRelease(k.lease, token))
    } catch {
      // the lease times out by itself
    }
  }

  /**
   * Applies invalidations. Never throws: ops that cannot reach Redis are queued and Redis stays
   * unusable (`usable` false) until they are replayed. Returns true when all were applied.
   */
  async invalidate(ops: readonly InvalidationOp[]): Promise<boolean> {
    if (ops.length === 0) return true
    if (!this.usable) {
      for (const op of ops) this.pending.add(op)
      // Other sidecars may be using Redis even though this one is not (its breaker opened, it
      // reconnected later): leaving the invalidation for the next probe would let them serve the
      // old value after this write's reply. So try now, bounded by the per-operation timeout (and
      // failing fast while disconnected: no offline queue), and hold the reply until then.
      await this.#replay()
      return this.pending.size === 0
    }
    const results = await Promise.allSettled(ops.map((op) => this.#apply(op)))
    let ok = true
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        ok = false
        this.pending.add(ops[i] as InvalidationOp)
      }
    })
    if (!ok) this.#startProbing()
    return ok
  }

  /** Entry metadata for the admin: the decoded entry, its generation validity and Redis TTL. */
  async inspect(k: RedisEntryKeys): Promise<{ entry: StoredEntry; pttlMs: number; bytes: number } | undefined> {
    const [gen, value, pttl] = await this.#run(() =>
      Promise.all([this.client.get(k.gen), this.client.getBuffer(k.data), this.client.pttl(k.data)]),
    )
    if (value === null) return undefined
    const d = decodeEntry(value)
    if (d.gen !== (gen ?? '0')) return undefined
    return { entry: d.entry, pttlMs: pttl, bytes: value.length }
  }

  async ping(): Promise<void> {
    await this.#run(() => this.client.ping(), true)
  }

  close(): void {
    this.#closed = true
    if (this.#probe !== undefined) clearInterval(this.#probe)
    this.#probe = undefined
  }

  async #apply(op: InvalidationOp): Promise<void> {
    if (op.kind === 'key') {
      // One DEL of entry and lease (same slot): the lease going is what rejects in-flight fills.
      await this.#run(() => this.client.del(op.keys.data, op.keys.lease), true)
    } else {
      // INCR per bucket: entries of older generations read as absent; no scan, O(buckets).
      await this.#run(() => Promise.all(this.keys.generations(op.methodId).map((g) => this.client.incr(g))), true)
    }
  }

  /** Runs one Redis operation with the timeout; counts latency/errors and feeds the breaker. */
  async #run<T>(f: () => Promise<T>, ignoreBreaker = false): Promise<T> {
    if (!ignoreBreaker && !this.breaker.closed) throw new CacheError(CacheErrorCode.BREAKER_OPEN, 'redis circuit breaker is open')
    const t0 = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      const r = await Promise.race([
        f(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new CacheError(CacheErrorCode.REDIS_TIMEOUT, `redis did not answer within ${this.options.timeoutMs}ms`)),
            this.options.timeoutMs,
          )
        }),
      ])
      this.#metrics.observeRedis((performance.now() - t0) / 1000)
      this.breaker.success()
      return r
    } catch (err) {
      if (err instanceof CacheError && err.code === CacheErrorCode.REDIS_TIMEOUT) this.#metrics.redisTimeouts++
      else this.#metrics.redisErrors++
      this.breaker.failure()
      if (err instanceof CacheError) throw err
      throw new CacheError(CacheErrorCode.REDIS_FAILED, `redis command failed: ${(err as Error).message}`, { cause: err })
    } finally {
      clearTimeout(timer)
    }
  }

  #startProbing(): void {
    if (this.#probe !== undefined || this.#closed) return
    this.#probe = setInterval(() => void this.#replay(), this.breaker.options.probeIntervalMs)
    this.#probe.unref()
  }

  /**
   * Probe: PING, replay queued invalidations (including any queued while replaying), then close the
   * breaker. Callers arriving while a replay runs wait for it and then replay what is left, so an
   * invalidation is never left queued with nobody probing.
   */
  async #replay(): Promise<void> {
    while (this.#replaying !== undefined) await this.#replaying
    if (this.#closed || (this.breaker.closed && this.pending.size === 0)) return
    this.#replaying = this.#replayOnce()
    try {
      await this.#replaying
    } finally {
      this.#replaying = undefined
    }
  }

  async #replayOnce(): Promise<void> {
    try {
      await this.ping()
      while (this.pending.size > 0) {
        for (const op of this.pending.snapshot()) {
          await this.#apply(op)
          this.pending.delete(op)
        }
      }
      this.breaker.close()
      if (this.#probe !== undefined) clearInterval(this.#probe)
      this.#probe = undefined
    } catch {
      this.breaker.open()
      this.#startProbing()
    }
  }

}
