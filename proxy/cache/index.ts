// The read cache: keys on canonical argument bytes, an in-process byte-bounded LRU in front of an
// optional Redis tier, lease-guarded fills, coalescing, grace/keep, write-driven invalidation
// across sidecars. Other folders use ThriftCache (and its handler, admin, metrics) from here.
export { ThriftCache, cacheSetupFromConfig, type CacheSetup, type CacheRedisSetup } from './thrift-cache.js'
export { ReadCache, DEFAULT_READ_CACHE, type ReadCacheOptions } from './read-cache.js'
export { CacheAdmin, type EntryInfo } from './admin-ops.js'
export { CacheMetrics, UncachedReason, REDIS_LATENCY_BUCKETS } from './metrics.js'
export { registerCacheMetrics } from './prom.js'
export { CacheError, CacheErrorCode } from './errors.js'
export { createRedisClient, parseHostPort, redisClientOptions, type RedisConnection, type RedisTarget, type HostPort } from './redis-client.js'
export type { BreakerState } from './breaker.js'
export { ByteLru } from './lru.js'
export { keyForArgs, keyFromBytes, type EntryKey } from './keys.js'
export type { InvalidationItem } from './tiers.js'
export { cachePlugin, cacheOf, type CachePluginContext } from './plugin.js'
