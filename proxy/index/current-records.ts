// Step one of a commit (store.ts): the current reverse record of every change in the batch, read
// before any is decided. Point reads go in one read batch. A backfill page is a contiguous range of
// primary keys, so its records are read with one range scan instead of a get per entity, which also
// finds records the upstream no longer has (reconcile: they become deletions).
import type RocksDB from 'rocksdb-native'
import { prefixEnd } from './key-encoding.js'
import { reverseKey } from './keyspace.js'
import { decodeRecord, type ReverseRecord } from './record.js'
import type { ChangePlan, EntityChange, EntityRuntime, PageRange, RecordOverlay } from './store-types.js'

/** What a commit needs of one queued apply(). */
export interface RecordJob {
  readonly changes: readonly EntityChange[]
  readonly page?: PageRange | undefined
}

export interface CurrentRecords {
  /** Per job (same order). */
  readonly plans: readonly ChangePlan[]
  /** Per job: the deletions a reconciling page adds, if any. */
  readonly deletions: readonly (PageDeletions | undefined)[]
  /** The current record of every change and deletion (undefined: never seen). */
  readonly overlay: RecordOverlay
}

/** Backfill pages whose records were read with a range scan, or known to have none (tests, stats). */
export interface PageReadCounts {
  pageReads: number
  pageReadsSkipped: number
}

/** Deletions a reconciling page adds to its job: records in its range the page did not bring. */
export interface PageDeletions extends ChangePlan {
  readonly changes: readonly EntityChange[]
}

export async function readCurrentRecords(
  db: RocksDB,
  jobs: readonly RecordJob[],
  entity: (name: string) => EntityRuntime,
  io: PageReadCounts,
): Promise<CurrentRecords> {
  // Each change's reverse key and its name (the overlay's map key) are computed once: a backfill
  // page brings a thousand changes, and every step of the commit visits each of them.
  const plans = jobs.map((j): ChangePlan => {
    const rts = j.changes.map((c) => entity(c.entity))
    const keys = j.changes.map((c, i) => reverseKey(rts[i]!.reversePrefix, c.pk))
    return { rts, keys, names: keys.map((k) => k.toString('latin1')) }
  })
  const wanted = new Map<string, Buffer>()
  for (const p of plans) for (let i = 0; i < p.keys.length; i++) wanted.set(p.names[i]!, p.keys[i]!)
  const overlay: RecordOverlay = new Map()
  const deletions: (PageDeletions | undefined)[] = []
  for (let ji = 0; ji < jobs.length; ji++) {
    const page = jobs[ji]!.page
    deletions.push(page === undefined ? undefined : await readPageRecords(db, entity(page.entity), page, plans[ji]!, overlay, wanted, io))
  }
  if (wanted.size > 0) {
    const rb = db.read({ capacity: wanted.size, autoDestroy: true })
    const names = [...wanted.keys()]
    const pending = names.map((n) => rb.get(wanted.get(n)!))
    rb.tryFlush()
    const got = await Promise.all(pending)
    names.forEach((n, i) => overlay.set(n, got[i] ? decodeRecord(Buffer.from(got[i]!)) : undefined))
  }
  return { plans, deletions, overlay }
}

/**
 * Puts the current record of every change of the page into `overlay` (removing it from `wanted`,
 * the keys still to get one by one); returns the deletions to add when the page reconciles.
 */
async function readPageRecords(
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
