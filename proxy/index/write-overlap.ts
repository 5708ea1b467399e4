// Writes to one key whose order upstream is unknown (docs/indexes.md, "Writes that overlap"). The
// index orders writes by reply arrival or stream ID; the upstream by when it applied them. They agree
// unless two writes to a key K overlapped in time; then the index may keep the overwritten value and a
// range would silently omit the entity (ranges verify what they return, not what they leave out).
// - A write to K sent while another to K is in flight here puts K "in doubt". Across sidecars, each
//   change's interval [sent, ordered] (ordered: the version's ms; with replication Redis's clock at
//   XADD, after the upstream applied it) is kept RETAIN_MS; overlapping a peer's (within SKEW_MS)
//   puts K in doubt. A change older than a forgotten interval's end is in doubt too.
// - While a key of an entity is in doubt, its range and non-unique lookups forward.
// - Once no write to K is in flight, K is re-read (the entity's `get`, the proxy's pool, not the
//   cache) and applied as an observation (a later write still wins), then the doubt clears. Failures
//   and re-reads overtaken by a write retry with bounded backoff; no client call waits for them. A
//   declared exception (maybe "not found", which is not configured) DECLARED_TRIES times: the entity
//   drops authority (ranges forward until a backfill).

import type { Dialect } from '../codec/index.js'
import { TType, extractField } from '../codec/index.js'
import type { CallContext } from '../core/index.js'
import { replyResult } from './calls.js'
import type { EntityModel, WriteModel } from './entity-model.js'
import type { EntityFetcher } from './fetcher.js'
import type { IndexMetrics } from './metrics.js'
import type { ReplicatedChange } from './change-codec.js'
import { sameValues, type ReverseRecord } from './record.js'
import type { IndexLog } from './runtime.js'
import type { IndexStore } from './store.js'
import { decodeValue, encodeValue, entityKeys } from './values.js'
import { maxVersion, versionMs, type Version } from './version.js'

/** Allowed difference between a sidecar's clock and Redis's (stream IDs) when comparing intervals. */
export const SKEW_MS = 100
/** How long a write's interval is remembered (longer than the replication lag one expects). */
export const RETAIN_MS = 10_000
const MAX_KEYS = 200_000
const MAX_INTERVALS = 8
const RETRY_MIN_MS = 20
const RETRY_MAX_MS = 5_000
/** Re-reads answered with a declared exception before the entity drops authority. */
const DECLARED_TRIES = 3
/** Re-reads at once (many keys in doubt at once, e.g. catching up a stream, must not flood the upstream). */
const MAX_REREADS = 8

interface Interval {
  readonly start: number
  readonly end: number
  readonly version: Version
  /** Written through this sidecar: ordered against its other local writes by the in-flight count. */
  readonly local: boolean
}

interface KeyState {
  readonly model: EntityModel
  readonly pk: Buffer
  inflight: number
  /** Bumped by every write to K sent here: a re-read raced by a write is not trusted. */
  gen: number
  doubt: boolean
  resolving: boolean
  declared: number
  backoff: number
  recent: Interval[]
  touched: number
  /** How this sidecar's last client spoke to K's service (for the re-read). */
  shape: CallShape | undefined
}

export interface CallShape {
  readonly dialect: Dialect
  readonly service: string | undefined
}

export interface WriteOverlapDeps {
  readonly store: IndexStore
  /** Straight to the upstream pool: a cached `get` may predate the writes in question. */
  readonly fetcher: EntityFetcher
  readonly metrics: IndexMetrics
  readonly log: IndexLog
  /** How to call the upstream when no client wrote K here (remote changes). */
  readonly defaultShape: (model: EntityModel) => CallShape
  /**
   * A re-read changed what the index holds for K: the cache's lookups keyed by the old (overwritten)
   * and new values must go, as a write's would (later writes invalidate by the values the index holds).
   */
  readonly onCorrected?: (model: EntityModel, change: ReplicatedChange, previous: ReverseRecord | undefined) => Promise<void>
}

export class WriteOverlap {
  private readonly keys = new Map<string, KeyState>()
  /** Entity → keys in doubt. */
  private readonly doubtful = new Map<string, number>()
  /** The latest end of a forgotten interval: a change starting before it may overlap it. */
  private horizon = Number.NEGATIVE_INFINITY
  private readonly writes = new WeakMap<CallContext, { key: KeyState | undefined; sentMs: number }>()
  private rereading = 0
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly pruner: NodeJS.Timeout
  private closed = false

  constructor(private readonly deps: WriteOverlapDeps) {
    this.pruner = setInterval(() => this.prune(Date.now()), 5_000)
    this.pruner.unref()
  }

  /** Whether range answers of `entity` must forward (some key's latest write order is unknown). */
  inDoubt(entity: string): boolean {
    return (this.doubtful.get(entity) ?? 0) > 0
  }

  /** Keys of `entity` in doubt (stats, tests). */
  doubtCount(entity: string): number {
    return this.doubtful.get(entity) ?? 0
  }

  /** A configured write is being sent: count it in flight for its key. */
  begin(ctx: CallContext, model: EntityModel, write: WriteModel): void {
    const m = ctx.message
    // Only the key is read (the entity's other fields are skipped, not decoded).
    let pk: Buffer | undefined
    try {
      const key = extractField(m.payload, m.bodyOffset, m.dialect.protocol, write.kind === 'delete' ? [write.argId] : [write.argId, model.keyFieldId])
      pk = key === undefined ? undefined : encodeValue(model.keyType, key)
    } catch {
      // Undecodable: the upstream will refuse it, and maintenance cannot read its reply's key either.
    }
    // No key in the argument (the upstream assigns it): no other write can name the same entity.
    if (pk === undefined) {
      this.writes.set(ctx, { key: undefined, sentMs: Date.now() })
      return
    }
    const k = this.state(model, pk)
    if (k.inflight > 0) this.markDoubt(k)
    k.inflight++
    k.gen++
    k.shape = { dialect: m.dialect, service: m.service }
    this.writes.set(ctx, { key: k, sentMs: Date.now() })
  }

  /** When the write of `ctx` was sent (undefined: not a tracked write). */
  sentAt(ctx: CallContext): number | undefined {
    return this.writes.get(ctx)?.sentMs
  }

  /** The write of `ctx` is over (after its reply was applied, or it failed). Idempotent. */
  end(ctx: CallContext): void {
    const w = this.writes.get(ctx)
    if (w === undefined) return
    this.writes.delete(ctx)
    const k = w.key
    if (k === undefined) return
    k.inflight--
    k.touched = Date.now()
    if (k.inflight === 0 && k.doubt) this.schedule(k, 0)
  }

  /**
   * A change to K is being applied (a local write's or one from the stream), ordered at `endMs`.
   * Call before applying it: if it may be ordered wrongly, K is in doubt before the index shows it.
   * `startMs` undefined (a peer that does not send it): treated as overlapping any recent write to K.
   */
  record(model: EntityModel, pk: Buffer, startMs: number | undefined, version: Version, local: boolean): void {
    const k = this.state(model, pk)
    if (k.recent.some((r) => r.version.equals(version))) return
    const start = startMs ?? Number.NEGATIVE_INFINITY
    const end = versionMs(version)
    // Two local writes are ordered right unless one was sent while the other was in flight
    // (begin() saw that), so only pairs with a peer's write are compared, with the skew margin.
    const overlaps = start <= this.horizon + SKEW_MS || k.recent.some((r) => !(local && r.local) && start <= r.end + SKEW_MS && r.start <= end + SKEW_MS)
    k.recent.push({ start, end, version, local })
    if (k.recent.length > MAX_INTERVALS) this.forget(k.recent.shift()!)
    k.touched = Date.now()
    if (overlaps) {
      this.markDoubt(k)
      if (k.inflight === 0) this.schedule(k, 0)
    }
    if (this.keys.size > MAX_KEYS) this.prune(Number.POSITIVE_INFINITY)
  }

  /**
   * Changes applied before this process started (up to the stored stream position, at `ms`) were
   * recorded by a previous run: a change that started before then may overlap one of them.
   */
  forgetBefore(ms: number): void {
    if (ms > this.horizon) this.horizon = ms
  }

  close(): void {
    this.closed = true
    clearInterval(this.pruner)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private state(model: EntityModel, pk: Buffer): KeyState {
    const name = `${model.name}\u0000${pk.toString('latin1')}`
    let k = this.keys.get(name)
    if (k === undefined) {
      k = { model, pk: Buffer.from(pk), inflight: 0, gen: 0, doubt: false, resolving: false, declared: 0, backoff: RETRY_MIN_MS, recent: [], touched: Date.now(), shape: undefined }
      this.keys.set(name, k)
    }
    return k
  }

  private markDoubt(k: KeyState): void {
    if (k.doubt) return
    k.doubt = true
    k.declared = 0
    k.backoff = RETRY_MIN_MS
    this.deps.metrics.overlaps++
    this.doubtful.set(k.model.name, (this.doubtful.get(k.model.name) ?? 0) + 1)
  }

  private clearDoubt(k: KeyState): void {
    if (!k.doubt) return
    k.doubt = false
    this.doubtful.set(k.model.name, (this.doubtful.get(k.model.name) ?? 1) - 1)
  }

  private forget(r: Interval): void {
    if (r.end > this.horizon) this.horizon = r.end
  }

  /** Forgets intervals older than RETAIN_MS (all of them when `before` is +Infinity: too many keys). */
  private prune(now: number): void {
    const cutoff = now - RETAIN_MS
    for (const [name, k] of this.keys) {
      if (now !== Number.POSITIVE_INFINITY && k.touched > cutoff) continue
      for (const r of k.recent) this.forget(r)
      k.recent = []
      if (k.inflight === 0 && !k.doubt && !k.resolving) this.keys.delete(name)
      if (now === Number.POSITIVE_INFINITY && this.keys.size <= MAX_KEYS / 2) break
    }
  }

  private schedule(k: KeyState, delayMs: number): void {
    if (k.resolving || this.closed) return
    k.resolving = true
    const t = setTimeout(() => {
      this.timers.delete(t)
      void this.resolve(k)
    }, delayMs)
    t.unref()
    this.timers.add(t)
  }

  /** Re-reads K and applies the upstream's answer as the truth for K; retries while unsure. */
  private async resolve(k: KeyState): Promise<void> {
    let retry = false
    try {
      // In flight: end() schedules again. Too many re-reads at once: later.
      if (this.closed || k.inflight > 0 || !k.doubt) retry = false
      else if (this.rereading >= MAX_REREADS) retry = true
      else {
        this.rereading++
        retry = !(await this.reread(k).finally(() => this.rereading--))
      }
    } catch (err) {
      this.deps.metrics.rereadFailures++
      if (k.backoff === RETRY_MIN_MS) this.deps.log('warn', `index re-read of a ${k.model.name} written concurrently failed (ranges forward meanwhile): ${(err as Error).message}`)
      retry = true
    } finally {
      k.resolving = false
    }
    if (retry && k.doubt && k.inflight === 0 && !this.closed) {
      const delay = k.backoff
      k.backoff = Math.min(k.backoff * 2, RETRY_MAX_MS)
      this.schedule(k, delay)
    }
  }

  /** True when K is settled (doubt cleared), false to retry. */
  private async reread(k: KeyState): Promise<boolean> {
    const { store, fetcher, metrics } = this.deps
    const gen = k.gen
    // The read is sent after every recorded write to K completed upstream, so it is as new as the
    // newest of them even if that one is still on its way to the store (a change from the stream).
    let asOf = store.clock.current
    for (const r of k.recent) asOf = maxVersion(asOf, r.version)
    const shape = k.shape ?? this.deps.defaultShape(k.model)
    const reply = await fetcher.get(k.model, decodeValue(k.model.keyType, k.pk), shape.dialect, shape.service)
    if (store.closed || this.closed) return false
    // A write to K sent meanwhile: its order against this read is unknown too. Read again after it.
    if (k.gen !== gen || k.inflight > 0) return false
    const r = replyResult(reply)
    if (r.kind === 'declared') {
      if (++k.declared < DECLARED_TRIES) return false
      metrics.rereadFailures++
      const reason = `${k.model.get.method} of a key written concurrently answered a declared exception: its state is unknown`
      this.deps.log('warn', `index for ${k.model.name} is no longer authoritative: ${reason}`)
      await store.apply([], store.authorityLoss([k.model.name], reason))
      this.clearDoubt(k)
      return true
    }
    if (r.kind !== 'success' || r.value?.type !== TType.STRUCT) {
      metrics.rereadFailures++
      return false
    }
    const keys = entityKeys(k.model, r.value)
    if (keys === undefined || !keys.pk.equals(k.pk)) {
      metrics.rereadFailures++
      return false
    }
    const [res] = await store.apply([{ entity: k.model.name, pk: k.pk, values: keys.values, version: asOf, kind: 'observe' }])
    metrics.rereads++
    this.clearDoubt(k)
    if (res?.applied === true && !sameValues(res.previous, keys.values)) await this.deps.onCorrected?.(k.model, { entity: k.model.name, pk: k.pk, values: keys.values }, res.previous)
    return true
  }
}
