// The records a backfill page is decided against. A page is a contiguous range of primary keys, so
// its records are read with one range scan instead of a get per entity, which also finds records
// the upstream no longer has (reconcile: they become deletions). Split from store.ts's commit loop.
import type RocksDB from 'rocksdb-native'
import { prefixEnd } from './key-encoding.js'
import { reverseKey } from './keyspace.js'
import { decodeRecord, type ReverseRecord } from './record.js'
import type { ChangePlan, EntityChange, EntityRuntime, PageRange, RecordOverlay } from './store-types.js'

/** Backfill pages whose records were read with a range scan, or known to have none (tests, stats). */
export interface PageReadCounts {
  pageReads: number
  pageReadsSkipped: number
}

/** Deletions a reconciling page adds to its job: records in its range the page did not bring. */
export interface PageDeletions extends ChangePlan {
  readonly changes: readonly EntityChange[]
}

/**
 * Puts the current record of every change of the page into `overlay` (removing it from `wanted`,
 * the keys still to get one by one); returns the deletions to add when the page reconciles.
 */
export async function readPageRecords(
  db: RocksDB,
  rt: EntityRuntime,
  page: PageRange,
  plan: ChangePlan,
  overlay: RecordOverlay,
  wanted: Map<string, Buffer>,
  io: PageReadCounts,
): Promise<PageDeletions | undefined> {
  // pk components are self-delimiting: the only key starting with reverseKey(from) is itself.
  const gte = page.from === undefined ? rt.reversePrefix : prefixEnd(reverseKey(rt.reversePrefix, page.from))!
  const lt = page.to === undefined ? prefixEnd(rt.reversePrefix)! : prefixEnd(reverseKey(rt.reversePrefix, page.to))!
  const found = new Map<string, ReverseRecord>()
  // Nothing to read when the page lies wholly above every record there is (a first backfill,
  // page after page); a write that passed meanwhile raised lastRecord, so it is read.
  if (rt.lastRecord !== null && Buffer.compare(rt.lastRecord, gte) >= 0) {
    io.pageReads++
    for await (const e of db.iterator({ gte, lt }, { capacity: 1024 })) found.set(e.key.toString('latin1'), decodeRecord(e.value))
  } else {
    io.pageReadsSkipped++
  }
  for (const name of plan.names) {
    overlay.set(name, found.get(name))
    wanted.delete(name)
  }
  if (!page.reconcile || found.size === 0) return undefined
  const inPage = new Set(plan.names)
  const gone: EntityChange[] = []
  const goneKeys: Buffer[] = []
  const goneNames: string[] = []
  for (const [name, rec] of found) {
    if (inPage.has(name) || rec.deleted) continue
    const key = Buffer.from(name, 'latin1')
    overlay.set(name, rec)
    gone.push({ entity: page.entity, pk: key.subarray(rt.reversePrefix.length), values: null, version: page.asOf, kind: 'observe' })
    goneKeys.push(key)
    goneNames.push(name)
  }
  return { changes: gone, rts: gone.map(() => rt), keys: goneKeys, names: goneNames }
}
