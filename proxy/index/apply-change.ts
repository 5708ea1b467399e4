// Deciding one change of a commit against the entity's current reverse record, and the write-batch
// operations that follow when it applies: the versioned last-writer-wins rule and the bookkeeping of
// entries, unique slots and counts. Split from store.ts, which reads the records and commits the batch.
import type RocksDB from 'rocksdb-native'
import { indexKey } from './keyspace.js'
import { encodeRecord, type ReverseRecord } from './record.js'
import type { EntityChange, ChangeResult, EntityRuntime, RecordOverlay } from './store-types.js'
import type { VersionClock } from './version.js'

export type WriteBatch = ReturnType<RocksDB['write']>

const EMPTY = Buffer.alloc(0)
const NO_VALUES: readonly (Buffer | null)[] = []

/**
 * One change against the entity's current record (the overlay: this batch's earlier changes,
 * else what was on disk): a write applies if newer, an observation unless something newer was
 * applied; if it applies, its old entries go and its new entries and record are written.
 */
export function applyChange(
  wb: WriteBatch,
  clock: VersionClock,
  rt: EntityRuntime,
  c: EntityChange,
  key: Buffer,
  name: string,
  overlay: RecordOverlay,
  /** Receives every unique slot key written (the store's slot memo forgets them). */
  slotsWritten: Buffer[],
): ChangeResult {
  const cur = overlay.get(name)
  const order = cur ? Buffer.compare(c.version, cur.version) : 1
  const applies = c.kind === 'write' ? order > 0 : order >= 0
  if (c.kind === 'write') clock.observe(c.version)
  if (!applies) return { applied: false, previous: cur }
  const oldValues = cur && !cur.deleted ? cur.values : NO_VALUES
  const newValues = c.values ?? NO_VALUES
  const indexes = rt.spec.indexes
  for (let i = 0; i < indexes.length; i++) {
    const o = oldValues[i] ?? null
    const n = newValues[i] ?? null
    const same = o !== null && n !== null && o.equals(n)
    const slot = rt.uniquePrefixes[i]
    if (slot !== undefined) {
      // Unconditional: a slot another entity claimed meanwhile only costs a miss (forwarded),
      // and re-claiming on every applied change repairs slots such a miss left empty.
      if (o !== null && !same) {
        const k = concat2(slot, o)
        wb.tryDelete(k)
        slotsWritten.push(k)
      }
      if (n !== null) {
        const k = concat2(slot, n)
        wb.tryPut(k, c.pk)
        slotsWritten.push(k)
      }
    }
    if (same) continue
    const prefix = rt.indexPrefixes[i]!
    if (o !== null) {
      wb.tryDelete(indexKey(prefix, o, c.pk))
      rt.counts.entries[indexes[i]!.name] = (rt.counts.entries[indexes[i]!.name] ?? 0) - 1
    }
    if (n !== null) {
      wb.tryPut(indexKey(prefix, n, c.pk), EMPTY)
      rt.counts.entries[indexes[i]!.name] = (rt.counts.entries[indexes[i]!.name] ?? 0) + 1
    }
  }
  const wasLive = cur !== undefined && !cur.deleted
  const isLive = c.values !== null
  if (wasLive !== isLive) rt.counts.live += isLive ? 1 : -1
  const next: ReverseRecord = { version: c.version, deleted: !isLive, values: isLive ? newValues : NO_VALUES }
  wb.tryPut(key, encodeRecord(next))
  if (rt.lastRecord === null || Buffer.compare(key, rt.lastRecord) > 0) rt.lastRecord = key
  overlay.set(name, next)
  return { applied: true, previous: cur }
}

function concat2(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length + b.length)
  a.copy(out, 0)
  b.copy(out, a.length)
  return out
}
