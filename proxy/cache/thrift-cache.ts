// The read cache assembled from the config: tiers, bus, the CallHandler, and the admin operations.
// `ThriftCache.create` connects Redis (bounded wait: a Redis that is down at start only means the
// cache starts in-process only and picks Redis up when it answers).
import type { Message } from '../codec/index.js'
import type { CacheConfig, IdlModel, ServiceConfig } from '../config/index.js'
import { InvalidationBus } from './bus.js'
import { LocalTier } from './local-tier.js'
import { CacheMetrics } from './metrics.js'
import { CacheAdmin } from './admin-ops.js'
import { createRedisClient, targetFromUrl, type RedisTarget } from './redis-client.js'
import { RedisKeyspace } from './redis-keys.js'
import { RedisTier, type RedisClient, type RedisTierOptions } from './redis-tier.js'
import { ReadCache, type ReadCacheOptions } from './read-cache.js'
import { buildRules, type RuleSet } from './rules.js'
import { CacheTiers } from './tiers.js'

export interface CacheRedisSetup {
  /** Where Redis is, or an ioredis client built elsewhere (the cache then owns it and closes it). */
  readonly target: RedisTarget | { readonly kind: 'client'; readonly client: RedisClient }
  readonly keyPrefix: string
  /** Hash-tag buckets per method (spreads a method's entries over Cluster slots). Default 1, Cluster 16. */
  readonly buckets?: number
  readonly tier?: Partial<RedisTierOptions>
}

export interface CacheSetup {
  readonly services: ReadonlyMap<string, ServiceConfig>
  readonly idl: IdlModel | undefined
  /** In-process tier bound; 0 disables it (Redis only). */
  readonly memoryMaxBytes: number
  readonly redis?: CacheRedisSetup | undefined
  readonly read?: Partial<ReadCacheOptions>
  /** How long create() waits for Redis before starting without it. Default 2 s. */
  readonly connectWaitMs?: number
  /** Stops that wait early (a signal during startup); the caller then closes the cache. */
  readonly abort?: AbortSignal | undefined
}

/** The cache's setup from a loaded config; `fetch` is the proxy's pool (ThriftProxy.pool.call). */
export function cacheSetupFromConfig(
  cfg: { readonly cache: CacheConfig; readonly services: ReadonlyMap<string, ServiceConfig>; readonly idl: { readonly model: IdlModel | undefined } },
  fetch?: (request: Message) => Promise<Message>,
): CacheSetup {
  const r = cfg.cache.redis
  return {
    services: cfg.services,
    idl: cfg.idl.model,
    memoryMaxBytes: cfg.cache.memory.maxBytes,
    redis:
      r === undefined
        ? undefined
        : {
            target: targetFromUrl(r.url, { username: r.username, password: r.password, tls: r.tls }),
            keyPrefix: r.keyPrefix,
            tier: { timeoutMs: r.timeoutMs, leaseMs: r.leaseMs, breaker: { failureThreshold: r.breaker.failures, probeIntervalMs: r.breaker.cooldownMs } },
          },
    read: { fetch, maxEntryBytes: maxEntryBytesFor(cfg.cache.memory.maxBytes), ...(r === undefined ? {} : { leaseWaitMs: r.leaseWaitMs }) },
    ...(r === undefined ? {} : { connectWaitMs: r.connectWaitMs }),
  }
}

/**
 * Replies larger than this are not cached: an eighth of the in-process bound (so one entry cannot
 * flush most of it), at least 64 KiB and at most 8 MiB; 1 MiB when there is no in-process tier.
 */
export function maxEntryBytesFor(memoryMaxBytes: number): number {
  if (memoryMaxBytes <= 0) return 1 << 20
  return Math.min(8 << 20, Math.max(64 << 10, Math.floor(memoryMaxBytes / 8)))
}

/** `p`, or earlier when `abort` fires (p is then left to settle on its own). */
function untilAborted<T>(p: Promise<T>, abort: AbortSignal | undefined): Promise<T | undefined> {
  if (abort === undefined) return p
  if (abort.aborted) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const stop = (): void => resolve(undefined)
    abort.addEventListener('abort', stop, { once: true })
    p.then(
      (v) => (abort.removeEventListener('abort', stop), resolve(v)),
      (e: unknown) => (abort.removeEventListener('abort', stop), reject(e)),
    )
  })
}

export class ThriftCache {
  readonly handler: ReadCache
  readonly tiers: CacheTiers
  readonly metrics: CacheMetrics
  readonly rules: RuleSet
  readonly admin: CacheAdmin

  private constructor(tiers: CacheTiers, handler: ReadCache, idl: IdlModel | undefined) {
    this.tiers = tiers
    this.handler = handler
    this.metrics = tiers.metrics
    this.rules = tiers.rules
    this.admin = new CacheAdmin(tiers, idl)
  }

  static async create(setup: CacheSetup): Promise<ThriftCache> {
    const rules = buildRules(setup.services, setup.idl)
    const metrics = new CacheMetrics()
    const read = setup.read ?? {}
    // Key invalidations are remembered this long (so their number stays bounded by the write rate
    // times this), and a fill whose fetch began earlier is dropped: a fetch slower than 10 s is
    // answered but not cached.
    const maxFillAgeMs = 10_000
    const local = setup.memoryMaxBytes > 0 ? new LocalTier({ maxBytes: setup.memoryMaxBytes, maxFillAgeMs }) : undefined
    let redis: RedisTier | undefined
    let bus: InvalidationBus | undefined
    let tiers: CacheTiers | undefined
    if (setup.redis !== undefined) {
      const t = setup.redis.target
      const client = t.kind === 'client' ? t.client : createRedisClient(t)
      client.on('error', () => undefined) // reported through metrics; ioredis reconnects by itself
      const buckets = setup.redis.buckets ?? (t.kind === 'cluster' ? 16 : 1)
      const keyspace = new RedisKeyspace(setup.redis.keyPrefix, buckets)
      redis = new RedisTier(client, keyspace, metrics, setup.redis.tier)
      bus = new InvalidationBus(client, keyspace.channel, {
        onMessage: (m) => tiers?.applyRemote(m),
        // Pub/sub is at-most-once: whatever arrived while unsubscribed is unknown, so start over.
        onResubscribed: () => {
          if ((tiers?.local?.lru.size ?? 0) > 0) metrics.channelFlushes++
          tiers?.flushLocal()
        },
        onDropped: () => tiers?.flushLocal(),
      })
    }
    tiers = new CacheTiers(rules, metrics, local, redis, bus)
    const cache = new ThriftCache(tiers, new ReadCache(tiers, read), setup.idl)
    if (bus !== undefined) await untilAborted(bus.ready(setup.connectWaitMs ?? 2_000), setup.abort)
    return cache
  }

  async close(): Promise<void> {
    const redis = this.tiers.redis
    await this.tiers.bus?.close()
    if (redis !== undefined) {
      redis.close()
      redis.client.disconnect()
    }
  }
}
