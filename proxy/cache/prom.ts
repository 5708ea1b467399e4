// Prometheus metrics of the cache, read from CacheMetrics at scrape time (collect callbacks), so
// the hot path only bumps plain counters.
import { Gauge, Histogram, type Registry } from 'prom-client'
import { collectedCounter } from '../metrics/index.js'
import { REDIS_LATENCY_BUCKETS } from './metrics.js'
import type { ThriftCache } from './thrift-cache.js'

export function registerCacheMetrics(registry: Registry, cache: ThriftCache): void {
  const m = cache.metrics
  const counter = collectedCounter.bind(undefined, registry)
  counter('thriftgate_cache_hits_total', 'Reads answered from the cache, by tier.', ['tier'], (c) => {
    c.inc({ tier: 'memory' }, m.hitsMemory)
    c.inc({ tier: 'redis' }, m.hitsRedis)
  })
  counter('thriftgate_cache_misses_total', 'Cacheable reads that went to the upstream.', [], (c) => c.inc(m.misses))
  counter('thriftgate_cache_stale_served_total', 'Reads answered with a stale entry (grace, or keep on upstream failure).', [], (c) => c.inc(m.staleServed))
  counter('thriftgate_cache_coalesced_waits_total', 'Reads that waited for another reader’s fetch of the same key.', [], (c) => c.inc(m.coalescedWaits))
  counter('thriftgate_cache_negative_hits_total', 'Hits on cached declared exceptions.', [], (c) => c.inc(m.negativeHits))
  counter('thriftgate_cache_uncached_total', 'Calls not cached, by reason.', ['reason'], (c) => {
    for (const [reason, n] of Object.entries(m.uncached)) c.inc({ reason }, n)
  })
  counter('thriftgate_cache_invalidations_total', 'Invalidations sent (writes, purges) and received from other sidecars.', ['direction'], (c) => {
    c.inc({ direction: 'sent' }, m.invalidationsSent)
    c.inc({ direction: 'received' }, m.invalidationsReceived)
  })
  counter('thriftgate_cache_rejected_stale_sets_total', 'Fills dropped because an invalidation came after their fetch began.', [], (c) => c.inc(m.rejectedStaleSets))
  counter('thriftgate_cache_evictions_total', 'In-process entries evicted by the byte bound.', [], (c) => c.inc(cache.tiers.local?.lru.stats().evictions ?? 0))
  counter('thriftgate_cache_redis_errors_total', 'Redis commands that failed or timed out.', ['kind'], (c) => {
    c.inc({ kind: 'error' }, m.redisErrors)
    c.inc({ kind: 'timeout' }, m.redisTimeouts)
  })
  counter('thriftgate_cache_local_flushes_total', 'In-process tier flushes because the invalidation channel dropped.', [], (c) => c.inc(m.channelFlushes))
  new Gauge({
    name: 'thriftgate_cache_bytes',
    help: 'Bytes held by the in-process tier.',
    registers: [registry],
    collect() {
      this.set(cache.tiers.local?.lru.bytes ?? 0)
    },
  })
  new Gauge({
    name: 'thriftgate_cache_entries',
    help: 'Entries held by the in-process tier.',
    registers: [registry],
    collect() {
      this.set(cache.tiers.local?.lru.size ?? 0)
    },
  })
  new Gauge({
    name: 'thriftgate_cache_redis_breaker_open',
    help: '1 while the Redis circuit breaker is open (Redis not used), else 0.',
    registers: [registry],
    collect() {
      this.set(cache.tiers.redis?.breaker.closed === false ? 1 : 0)
    },
  })
  new Gauge({
    name: 'thriftgate_cache_redis_pending_invalidations',
    help: 'Invalidations waiting to be replayed into Redis (Redis is not read while > 0).',
    registers: [registry],
    collect() {
      this.set(cache.tiers.redis?.pending.size ?? 0)
    },
  })
  // A histogram rebuilt from our own bucket counts at scrape time.
  const h = new Histogram({ name: 'thriftgate_cache_redis_seconds', help: 'Redis command latency.', buckets: [...REDIS_LATENCY_BUCKETS], registers: [registry] })
  const hget = h.get.bind(h)
  h.get = async () => {
    const base = await hget()
    const l = m.redisLatency
    let cum = 0
    const values = base.values.filter((v) => !v.metricName?.endsWith('_bucket') && !v.metricName?.endsWith('_sum') && !v.metricName?.endsWith('_count'))
    REDIS_LATENCY_BUCKETS.forEach((le, i) => {
      cum += l.counts[i] ?? 0
      values.push({ labels: { le }, value: cum, metricName: 'thriftgate_cache_redis_seconds_bucket' })
    })
    values.push({ labels: { le: '+Inf' }, value: l.count, metricName: 'thriftgate_cache_redis_seconds_bucket' })
    values.push({ labels: {}, value: l.sum, metricName: 'thriftgate_cache_redis_seconds_sum' })
    values.push({ labels: {}, value: l.count, metricName: 'thriftgate_cache_redis_seconds_count' })
    return { ...base, values }
  }
}
