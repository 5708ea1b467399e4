// The secondary indexes of a running thriftgate: opens the RocksDB store (a locked or corrupt
// directory disables the index with a clear error instead of crashing: calls are then simply
// forwarded), resolves the configured entities, optionally follows the replication stream, and
// offers the handler, backfill/verify/rebuild, stats, a readiness check and a graceful close.

import { dialectOf, type Dialect } from '../codec/index.js'
import type { CallContext, CallHandler } from '../core/index.js'
import type { IdlModel, ServiceConfig } from '../config/index.js'
import { backfill, type BackfillOptions, type BackfillResult } from './backfill.js'
import type { CacheLink } from './cache-link.js'
import { resolveEntity, storeSpecOf, type EntityModel } from './entity-model.js'
import type { EntityState } from './entity-state.js'
import { IndexError, IndexErrorCode } from './errors.js'
import { EntityFetcher, type UpstreamCall } from './fetcher.js'
import { IndexHandler } from './handler.js'
import { IndexMetrics } from './metrics.js'
import { parseKeyValue, showValue } from './parse-value.js'
import { IndexReplicator, type ReplicationOptions } from './replication.js'
import { DEFAULT_INDEX_LIMITS, rolesOf, type IndexLimits, type IndexLog, type IndexRuntime } from './runtime.js'
import { IndexStore, type IndexMemory } from './store.js'
import { invalidationsFor } from './maintenance.js'
import { versionFromStreamId, versionMs } from './version.js'
import { WriteOverlap } from './write-overlap.js'
import { decodeValue, encodeValue } from './values.js'
import { verify, type VerifyReport } from './verify.js'

export interface SecondaryIndexOptions {
  readonly path: string
  readonly services: ReadonlyMap<string, ServiceConfig>
  readonly idl: IdlModel | undefined
  /** Calls the index originates (get, scan): the core's UpstreamPool.call. */
  readonly upstream: UpstreamCall
  readonly cache?: CacheLink | undefined
  /** Several sidecars: follow this Redis Stream. Without it this sidecar indexes alone. */
  readonly replication?: Omit<ReplicationOptions, 'log'> | undefined
  readonly limits?: Partial<IndexLimits>
  /** RocksDB memtable bytes (RocksDB keeps at most two); default 16 MiB. */
  readonly writeBufferSize?: number | undefined
  /** Bytes of recently read unique slots kept in memory; default 4 MiB, 0 off. */
  readonly slotCache?: number | undefined
  /** The upstream's dialect for calls made outside a client's call (backfill, verify); default: the last client's. */
  readonly dialect?: Dialect | undefined
  /** The upstream is multiplexed (name calls "Service:method"). */
  readonly multiplexed?: boolean
  readonly log?: IndexLog
}

export interface EntityStats {
  readonly name: string
  readonly service: string
  readonly authoritative: boolean
  readonly reason: string
  readonly backfill: EntityState['backfill']
  readonly entities: number
  readonly entries: Readonly<Record<string, number>>
  /** Keys whose concurrent writes have an unknown order upstream: ranges forward until re-read. */
  readonly inDoubt: number
}

export interface IndexStats {
  readonly enabled: boolean
  readonly error: { readonly code: string; readonly message: string } | undefined
  readonly path: string
  readonly bytesOnDisk: number
  readonly replication: { readonly status: string; readonly appliedId: string; readonly lagMs: number; readonly gaps: number } | undefined
  readonly entities: readonly EntityStats[]
  readonly metrics: IndexMetrics
}

const noop: IndexLog = () => undefined

export class SecondaryIndex {
  readonly handler: CallHandler
  readonly metrics: IndexMetrics
  /** Why the index is disabled (locked/corrupt directory), if it is. */
  readonly error: IndexError | undefined
  private readonly rt: IndexRuntime | undefined
  private lastDialect: Dialect | undefined
  private closed = false

  private constructor(
    private readonly opts: SecondaryIndexOptions,
    readonly models: readonly EntityModel[],
    rt: IndexRuntime | undefined,
    error: IndexError | undefined,
  ) {
    this.rt = rt
    this.error = error
    this.metrics = rt?.metrics ?? new IndexMetrics()
    if (rt === undefined) {
      const metrics = this.metrics
      const roles = rolesOf(models)
      this.handler = {
        onCall(ctx: CallContext) {
          if (roles.get(ctx.message.name)?.kind === 'lookup') metrics.fallbacks.disabled++
          return undefined
        },
      }
    } else {
      const inner = new IndexHandler(rt, () => !this.closed)
      // Remember the clients' dialect: calls the index makes on its own speak the same.
      this.handler = {
        onCall: (ctx) => {
          this.lastDialect = ctx.message.dialect
          return inner.onCall(ctx)
        },
        onReply: (ctx, reply) => inner.onReply(ctx, reply),
        onFailure: (ctx, cause) => inner.onFailure(ctx, cause),
        onSettled: (ctx) => inner.onSettled(ctx),
        answersAsUpstream: inner.answersAsUpstream,
      }
    }
  }

  /**
   * Opens the index. Configuration mistakes throw IndexError TG_ERR_INDEX_CONFIG; a locked or corrupt
   * directory does NOT throw: the index comes up disabled (`error` says why) and every call forwards.
   */
  static async open(opts: SecondaryIndexOptions): Promise<SecondaryIndex> {
    const log = opts.log ?? noop
    const models: EntityModel[] = []
    for (const svc of opts.services.values()) for (const e of svc.entities.values()) models.push(resolveEntity(svc.name, e, opts.idl))
    let store: IndexStore
    try {
      store = await IndexStore.open(opts.path, models.map(storeSpecOf), { writeBufferSize: opts.writeBufferSize, slotCache: opts.slotCache })
    } catch (err) {
      const e = err instanceof IndexError ? err : new IndexError(IndexErrorCode.OPEN_FAILED, String(err), { cause: err })
      log('error', `index disabled, forwarding every call: ${e.message}`, { code: e.code })
      return new SecondaryIndex(opts, models, undefined, e)
    }
    let replicator: IndexReplicator | undefined
    if (opts.replication !== undefined) {
      try {
        replicator = await IndexReplicator.start(store, { ...opts.replication, log })
      } catch (err) {
        // Without the stream this sidecar cannot know other sidecars' writes: no authority.
        log('error', `index replication unavailable, indexing alone without authority: ${(err as Error).message}`, { code: IndexErrorCode.REPLICATION })
        await store.apply([], store.authorityLoss(store.entityNames, 'replication stream unreachable at start'))
      }
    }
    const metrics = new IndexMetrics()
    const entities = new Map(models.map((m) => [m.name, m]))
    let self: SecondaryIndex | undefined
    const overlap = new WriteOverlap({
      store,
      fetcher: new EntityFetcher({ upstream: opts.upstream }),
      metrics,
      log,
      defaultShape: (m) => ({ dialect: self?.dialect() ?? opts.dialect ?? dialectOf('framed', 'binary', true), service: opts.multiplexed === true ? m.service : undefined }),
      onCorrected: async (m, change, previous) => opts.cache?.invalidate(invalidationsFor(m, change, previous)),
    })
    if (replicator !== undefined) {
      overlap.forgetBefore(versionMs(versionFromStreamId(replicator.appliedId)))
      replicator.onChange = (c, sentMs, local) => {
        const m = entities.get(c.entity)
        if (m !== undefined) overlap.record(m, c.pk, sentMs, c.version, local)
      }
    }
    const rt: IndexRuntime = {
      store,
      entities,
      roles: rolesOf(models),
      fetcher: new EntityFetcher({ upstream: opts.upstream, cache: opts.cache?.handler }),
      metrics,
      replicator,
      cache: opts.cache,
      limits: { ...DEFAULT_INDEX_LIMITS, ...opts.limits },
      log,
      overlap,
    }
    self = new SecondaryIndex(opts, models, rt, undefined)
    return self
  }

  get enabled(): boolean {
    return this.rt !== undefined && !this.closed
  }

  private runtime(): IndexRuntime {
    if (this.rt === undefined) throw this.error ?? new IndexError(IndexErrorCode.CLOSED, 'the index is disabled')
    if (this.closed) throw new IndexError(IndexErrorCode.CLOSED, 'the index is closed')
    return this.rt
  }

  model(entity: string): EntityModel {
    const m = this.models.find((x) => x.name === entity)
    if (m === undefined) throw new IndexError(IndexErrorCode.CONFIG, `no indexed entity ${JSON.stringify(entity)}; configured: ${this.models.map((x) => x.name).join(', ') || '(none)'}`)
    return m
  }

  private dialect(): Dialect {
    return this.opts.dialect ?? this.lastDialect ?? dialectOf('framed', 'binary', true)
  }

  async backfill(entity: string, opts: Partial<BackfillOptions> = {}): Promise<BackfillResult> {
    const rt = this.runtime()
    return backfill(rt, this.model(entity), { dialect: this.dialect(), multiplexed: this.opts.multiplexed, ...opts })
  }

  /** Drops every entry of the entity and backfills it from scratch. */
  async rebuild(entity: string, opts: Partial<BackfillOptions> = {}): Promise<BackfillResult> {
    const rt = this.runtime()
    const model = this.model(entity)
    await rt.store.clearEntity(model.name)
    await rt.replicator?.reset(model.name)
    return backfill(rt, model, { dialect: this.dialect(), multiplexed: this.opts.multiplexed, ...opts, restart: true })
  }

  async verify(entity: string, opts: { sample?: number; repair?: boolean } = {}): Promise<VerifyReport> {
    const rt = this.runtime()
    const direct = new EntityFetcher({ upstream: this.opts.upstream })
    return verify(rt, direct, this.model(entity), { dialect: this.dialect(), multiplexed: this.opts.multiplexed, ...opts })
  }

  /** What the index holds for `value` of one index: primary keys and their records. */
  async get(entity: string, index: string, text: string): Promise<{ keys: Array<string | number | boolean> }> {
    const rt = this.runtime()
    const model = this.model(entity)
    const ix = model.indexes.find((i) => i.name === index)
    if (ix === undefined) throw new IndexError(IndexErrorCode.CONFIG, `entity ${entity} has no index ${index}; indexes: ${model.indexes.map((i) => i.name).join(', ')}`)
    const enc = encodeValue(ix.type, parseKeyValue(ix.type, text))!
    const pks = await rt.store.lookupEq(model.name, ix.name, enc, 1000)
    return { keys: pks.map((pk) => showValue(decodeValue(model.keyType, pk))) }
  }

  /** What the index holds in memory (zeros while disabled). */
  async memory(): Promise<IndexMemory> {
    const store = this.rt?.store
    if (store === undefined || store.closed) return { memtables: 0, blockCache: 0, tableReaders: 0, slotCache: 0 }
    return store.memoryUsage()
  }

  async stats(): Promise<IndexStats> {
    const rt = this.rt
    const store = rt?.store
    const rep = rt?.replicator
    return {
      enabled: this.enabled,
      error: this.error === undefined ? undefined : { code: this.error.code, message: this.error.message },
      path: this.opts.path,
      bytesOnDisk: store === undefined ? 0 : await store.bytesOnDisk(),
      replication: rep === undefined ? undefined : { status: rep.status, appliedId: rep.appliedId, lagMs: rep.lagMs, gaps: rep.gaps },
      entities: this.models.map((m) => {
        const s = store?.state(m.name)
        const c = store?.counts(m.name)
        return {
          name: m.name,
          service: m.service,
          authoritative: s?.authoritative ?? false,
          reason: s?.reason ?? this.error?.message ?? 'disabled',
          backfill: s?.backfill ?? null,
          entities: c?.live ?? 0,
          entries: { ...(c?.entries ?? {}) },
          inDoubt: rt?.overlap.doubtCount(m.name) ?? 0,
        }
      }),
      metrics: this.metrics,
    }
  }

  /** Replication lag in ms (0 without replication). */
  get lagMs(): number {
    return this.rt?.replicator?.lagMs ?? 0
  }

  /**
   * A readiness check for /readyz. A disabled index is reported (the proxy still works: it forwards),
   * so by default it does not fail readiness; `requireIndex` makes it fail, and `waitCatchUpMs`
   * makes readiness wait until replication has applied what was published before it started.
   */
  readinessCheck(opts: { requireIndex?: boolean; waitCatchUpMs?: number } = {}): { name: string; check(): Promise<{ ok: boolean; detail: string }> } {
    let caughtUp = opts.waitCatchUpMs === undefined
    return {
      name: 'index',
      check: async () => {
        if (this.rt === undefined) return { ok: opts.requireIndex !== true, detail: `index disabled (${this.error?.code}): ${this.error?.message}` }
        if (this.closed) return { ok: false, detail: 'index closed' }
        const rep = this.rt.replicator
        if (!caughtUp && rep !== undefined) {
          caughtUp = await rep.waitCaughtUp(Math.min(opts.waitCatchUpMs ?? 0, 1500))
          if (!caughtUp) return { ok: false, detail: `catching up with the replication stream (lag ${rep.lagMs} ms)` }
        }
        const auth = this.models.map((m) => `${m.name}: ${this.rt!.store.state(m.name).authoritative ? 'authoritative' : this.rt!.store.state(m.name).reason}`)
        return { ok: true, detail: auth.join('; ') || 'no entities' }
      },
    }
  }

  /** Graceful and idempotent: stops replication, finishes queued writes, closes RocksDB. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.rt?.overlap.close()
    await this.rt?.replicator?.close()
    await this.rt?.store.close()
  }
}

