// Prometheus metrics of the index, read from IndexMetrics and the store at scrape time (collect
// callbacks), so lookups and maintenance only bump plain counters.
import { Gauge, type Registry } from 'prom-client'
import { collectedCounter } from '../metrics/index.js'
import type { SecondaryIndex } from './secondary-index.js'

export function registerIndexMetrics(registry: Registry, index: SecondaryIndex): void {
  const m = index.metrics
  const counter = collectedCounter.bind(undefined, registry)
  counter('thriftgate_index_hits_total', 'Lookups answered from the index, by kind (point, range).', ['kind'], (c) => {
    c.inc({ kind: 'point' }, m.hits.point)
    c.inc({ kind: 'range' }, m.hits.range)
  })
  counter('thriftgate_index_misses_total', 'Point lookups with no index entry (forwarded).', [], (c) => c.inc(m.fallbacks.miss))
  counter('thriftgate_index_fallbacks_total', 'Lookups forwarded to the upstream, by reason.', ['reason'], (c) => {
    for (const [reason, n] of Object.entries(m.fallbacks)) c.inc({ reason }, n)
  })
  counter('thriftgate_index_verify_failures_total', 'Entities whose upstream value disagreed with the index (lookups and verify).', [], (c) => c.inc(m.verifyFailures))
  counter('thriftgate_index_writes_total', 'Configured writes seen, by outcome.', ['outcome'], (c) => {
    c.inc({ outcome: 'applied' }, m.writesApplied)
    c.inc({ outcome: 'stale' }, m.writesStale)
    c.inc({ outcome: 'failed' }, m.writesFailed)
    c.inc({ outcome: 'unknown' }, m.writesUnknown)
  })
  counter('thriftgate_index_overlaps_total', 'Keys whose concurrent writes had an unknown order upstream, by step (doubt: ranges forward; reread: settled by a re-read; reread_failed).', ['step'], (c) => {
    c.inc({ step: 'doubt' }, m.overlaps)
    c.inc({ step: 'reread' }, m.rereads)
    c.inc({ step: 'reread_failed' }, m.rereadFailures)
  })
  counter('thriftgate_index_observations_total', 'Entities learned from replies and backfill pages.', [], (c) => c.inc(m.observations))
  counter('thriftgate_index_errors_total', 'Index errors, by kind.', ['kind'], (c) => {
    c.inc({ kind: 'maintenance' }, m.maintenanceErrors)
    c.inc({ kind: 'publish' }, m.publishErrors)
  })
  new Gauge({
    name: 'thriftgate_index_entries',
    help: 'Index entries, by entity and index.',
    labelNames: ['entity', 'index'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const e of (await index.stats()).entities) for (const [ix, n] of Object.entries(e.entries)) this.set({ entity: e.name, index: ix }, n)
    },
  })
  new Gauge({
    name: 'thriftgate_index_authoritative',
    help: '1 while range lookups of the entity are answered from the index.',
    labelNames: ['entity'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const e of (await index.stats()).entities) this.set({ entity: e.name }, e.authoritative ? 1 : 0)
    },
  })
  new Gauge({
    name: 'thriftgate_index_bytes_on_disk',
    help: 'Bytes of the index directory (SST, WAL, MANIFEST).',
    registers: [registry],
    async collect() {
      this.set((await index.stats()).bytesOnDisk)
    },
  })
  new Gauge({
    name: 'thriftgate_index_memory_bytes',
    help: 'Memory the index holds, by part: RocksDB memtables (at most 2 x index.writeBufferSize), block cache (32 MiB cap), table readers, and the unique-slot memo (index.slotCache).',
    labelNames: ['part'],
    registers: [registry],
    async collect() {
      const m = await index.memory()
      this.set({ part: 'memtables' }, m.memtables)
      this.set({ part: 'block_cache' }, m.blockCache)
      this.set({ part: 'table_readers' }, m.tableReaders)
      this.set({ part: 'slot_cache' }, m.slotCache)
    },
  })
  new Gauge({
    name: 'thriftgate_index_enabled',
    help: '0 when the index is disabled (locked or corrupt directory): every lookup is forwarded.',
    registers: [registry],
    collect() {
      this.set(index.enabled ? 1 : 0)
    },
  })
  new Gauge({
    name: 'thriftgate_index_replication_lag_seconds',
    help: 'How far this sidecar is behind the replication stream (stream time).',
    registers: [registry],
    collect() {
      this.set(index.lagMs / 1000)
    },
  })
}
