// Step two of a commit (store.ts): everything one group commit writes, put into ONE write batch, so
// a crash leaves all of it or none: each change decided in queue order (apply-change.ts), then the
// counters of the entities touched, the version clock if it moved, and the callers' meta writes.
// Apart from the store because it is the batch's contents, not the queue or the RocksDB handle's
// life; the store still flushes it, with the slot memo told first (slot-memo.ts).
import type RocksDB from 'rocksdb-native'
import { metaKey } from './keyspace.js'
import type { Version, VersionClock } from './version.js'
import { applyChange, type WriteBatch } from './apply-change.js'
import type { CurrentRecords, RecordJob } from './current-records.js'
import type { ChangeResult, EntityRuntime, MetaPut } from './store-types.js'

/** The meta key of the version clock (read once when the store opens). */
export const CLOCK_KEY = metaKey('clock')

/** What a commit needs of one queued apply(). */
export interface CommitJob extends RecordJob {
  readonly meta: readonly MetaPut[]
}

export interface CommitBatch {
  /** Not flushed yet: the store flushes it. */
  readonly wb: WriteBatch
  /** Per job: a result per change, then one per deletion its page added. */
  readonly results: ChangeResult[][]
  /** Every unique slot key written (the slot memo must forget them). */
  readonly slotsWritten: Buffer[]
  /** The clock value on disk once the batch lands (persistedClock if it did not move). */
  readonly persistedClock: Version
}

/**
 * Fills one write batch with a commit of `jobs`, against the records `records` read for them.
 * `noteMeta` sees each meta write as it is batched (the store keeps entity state in step).
 */
export function buildCommitBatch(
  db: RocksDB,
  clock: VersionClock,
  persistedClock: Version,
  jobs: readonly CommitJob[],
  records: CurrentRecords,
  noteMeta: (m: MetaPut) => void,
): CommitBatch {
  const { plans, deletions, overlay } = records
  // Sized for the batch (a change writes its record and up to two keys per index, one more for a
  // unique slot): the binding reallocates its native operation list each time it doubles.
  let ops = 8
  for (let ji = 0; ji < jobs.length; ji++) {
    const j = jobs[ji]!
    const rts = plans[ji]!.rts
    ops += j.meta.length
    for (let i = 0; i < j.changes.length; i++) ops += 1 + 3 * rts[i]!.spec.indexes.length
  }
  const wb = db.write({ capacity: ops, autoDestroy: true })
  const touched = new Set<EntityRuntime>()
  const slotsWritten: Buffer[] = []
  const results: ChangeResult[][] = []
  for (let ji = 0; ji < jobs.length; ji++) {
    const plan = plans[ji]!
    const more = deletions[ji]
    const out: ChangeResult[] = []
    const n = jobs[ji]!.changes.length
    for (let i = 0; i < n + (more?.changes.length ?? 0); i++) {
      const c = i < n ? jobs[ji]!.changes[i]! : more!.changes[i - n]!
      const rt = i < n ? plan.rts[i]! : more!.rts[i - n]!
      const key = i < n ? plan.keys[i]! : more!.keys[i - n]!
      const name = i < n ? plan.names[i]! : more!.names[i - n]!
      out.push(applyChange(wb, clock, rt, c, key, name, overlay, slotsWritten))
      touched.add(rt)
    }
    results.push(out)
  }
  for (const rt of touched) wb.tryPut(metaKey('counts', rt.spec.name), Buffer.from(JSON.stringify(rt.counts)))
  const now = clock.current
  if (!now.equals(persistedClock)) wb.tryPut(CLOCK_KEY, now)
  for (const j of jobs) for (const m of j.meta) {
    if (m.value) wb.tryPut(m.key, m.value)
    else wb.tryDelete(m.key)
    noteMeta(m)
  }
  return { wb, results, slotsWritten, persistedClock: now }
}
