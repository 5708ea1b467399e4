// The cache's counters. Plain numbers bumped on the hot path (no labels resolved per call, no
// allocation); prom.ts turns them into Prometheus metrics at scrape time.

export const UncachedReason = {
  /** The method has no read rule (or is not a CALL the cache may answer: oneway). */
  NOT_CONFIGURED: 'not_configured',
  /** The reply is bigger than `cache.memory.maxEntryBytes`. */
  TOO_LARGE: 'too_large',
  /** The reply was a TApplicationException, an exception not listed under `negative`, or the call failed. */
  ERROR: 'error',
  /** No tier could take it: the in-process tier is disabled and Redis is unusable, or a lease was held elsewhere. */
  BYPASS: 'bypass',
} as const
export type UncachedReason = (typeof UncachedReason)[keyof typeof UncachedReason]

/** Upper bounds (seconds) of the Redis latency histogram. */
export const REDIS_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25] as const

export class CacheMetrics {
  hitsMemory = 0
  hitsRedis = 0
  misses = 0
  staleServed = 0
  coalescedWaits = 0
  negativeHits = 0
  readonly uncached: Record<UncachedReason, number> = { not_configured: 0, too_large: 0, error: 0, bypass: 0 }
  invalidationsSent = 0
  invalidationsReceived = 0
  rejectedStaleSets = 0
  fills = 0
  refreshes = 0
  redisErrors = 0
  redisTimeouts = 0
  /** Redis command latency: counts per bucket of REDIS_LATENCY_BUCKETS (+Inf last), sum in seconds. */
  readonly redisLatency = { counts: new Array<number>(REDIS_LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }
  /** Times the in-process tier was flushed because the invalidation channel dropped. */
  channelFlushes = 0

  observeRedis(seconds: number): void {
    const l = this.redisLatency
    let i = 0
    while (i < REDIS_LATENCY_BUCKETS.length && seconds > (REDIS_LATENCY_BUCKETS[i] as number)) i++
    l.counts[i] = (l.counts[i] ?? 0) + 1
    l.sum += seconds
    l.count++
  }
}
