// The RocksDB store behind the indexes. All mutations go through one commit loop (group commit):
// the reverse records a batch needs are read in one read batch, the changes are decided against
// them in order, and index entries, reverse records, counters and meta (clock, stream position,
// entity state) are written in ONE atomic write batch. One writer per directory is what makes the
// read-decide-write step safe without RocksDB transactions (RocksDB's LOCK file enforces it across
// processes; the loop enforces it within this one). Reading the current records is
// current-records.ts; filling the batch is commit-batch.ts (each change decided by apply-change.ts);
// opening the directory and loading each entity's runtime is store-open.ts; the shared types are
// store-types.ts.

import type RocksDB from 'rocksdb-native'
import { IndexError, IndexErrorCode, openErrorFor } from './errors.js'
import { prefixEnd, type KeyType } from './key-encoding.js'
import { entityIndexRange, entityReverseRange, entityUniqueRange, metaKey, reverseKey, reversePrefix } from './keyspace.js'
import { decodeRecord, type ReverseRecord } from './record.js'
import { VersionClock, type Version } from './version.js'
import { batchOf, firstByKey, scanRange } from './range-reads.js'
import { directoryBytes } from './disk-usage.js'
import { cleanState, withoutAuthority, type EntityCounts, type EntityState } from './entity-state.js'
import { buildCommitBatch, CLOCK_KEY, type CommitJob } from './commit-batch.js'
import { readCurrentRecords, type PageReadCounts } from './current-records.js'
import type {
  ChangeResult,
  EntityChange,
  EntityRuntime,
  IndexStoreTuning,
  IndexEntry,
  IndexMemory,
  MetaPut,
  PageRange,
  ScanBound,
  StoreEntitySpec,
} from './store-types.js'
import { DEFAULT_SLOT_CACHE } from './store-types.js'
import { loadEntityRuntime, openRocksDb, schemaOf } from './store-open.js'
import { SlotMemo, slotName } from './slot-memo.js'

export type { IndexMemory, IndexStoreTuning, StoreIndexSpec, StoreEntitySpec, EntityChange, ChangeResult, MetaPut, IndexEntry, ScanBound, PageRange } from './store-types.js'

interface Job extends CommitJob {
  readonly resolve: (r: ChangeResult[]) => void
  readonly reject: (e: unknown) => void
}

const MAX_JOBS_PER_BATCH = 512

export class IndexStore {
  readonly clock: VersionClock
  /** Backfill pages whose records were read with a range scan, or known to have none (tests, stats). */
  readonly io: PageReadCounts = { pageReads: 0, pageReadsSkipped: 0 }
  private readonly entities = new Map<string, EntityRuntime>()
  private queue: Job[] = []
  private draining: Promise<void> | undefined
  private closing: Promise<void> | undefined
  /** The clock value last written, so versions issued by clock.next() reach disk with the next batch. */
  private persistedClock: Version
  /** Recently read unique slots (slot-memo.ts): a repeated point lookup skips its RocksDB read. */
  private readonly slots: SlotMemo
  private readonly background = new Set<Promise<void>>()

  private constructor(
    readonly path: string,
    private readonly db: RocksDB,
    clock: VersionClock,
    slotCacheBytes: number,
  ) {
    this.clock = clock
    this.persistedClock = clock.current
    this.slots = new SlotMemo(slotCacheBytes)
  }

  /** Opens (creating if missing) the directory. Throws IndexError LOCKED/CORRUPT/OPEN_FAILED. */
  static async open(path: string, entities: readonly StoreEntitySpec[], tuning: IndexStoreTuning = {}): Promise<IndexStore> {
    const db = await openRocksDb(path, tuning)
    try {
      const clockBytes = await db.get(CLOCK_KEY)
      const store = new IndexStore(path, db, new VersionClock(clockBytes ? Buffer.from(clockBytes) : undefined), tuning.slotCache ?? DEFAULT_SLOT_CACHE)
      for (const spec of entities) {
        const rt = await loadEntityRuntime(db, spec)
        store.entities.set(spec.name, rt)
        // The configured indexes changed: entries on disk no longer mean what the config says.
        const schema = schemaOf(spec)
        if (rt.state.schema !== schema) await store.clearEntity(spec.name, schema)
      }
      return store
    } catch (err) {
      await db.close().catch(() => undefined)
      throw err instanceof IndexError ? err : openErrorFor(path, err)
    }
  }

  private entity(name: string): EntityRuntime {
    const rt = this.entities.get(name)
    if (!rt) throw new IndexError(IndexErrorCode.CONFIG, `no indexed entity named ${JSON.stringify(name)}`)
    return rt
  }

  get entityNames(): string[] {
    return [...this.entities.keys()]
  }

  spec(entity: string): StoreEntitySpec {
    return this.entity(entity).spec
  }

  state(entity: string): EntityState {
    return this.entity(entity).state
  }

  counts(entity: string): EntityCounts {
    return this.entity(entity).counts
  }

  get closed(): boolean {
    return this.closing !== undefined
  }

  /** The meta write that records a new entity state (to include in an apply() batch). */
  statePut(entity: string, state: EntityState): MetaPut {
    return { key: metaKey('state', entity), value: Buffer.from(JSON.stringify(state)) }
  }

  /** Meta writes that drop authority for the given entities (those that have it or are backfilling). */
  authorityLoss(entities: readonly string[], reason: string): MetaPut[] {
    // Updated in memory now, so lookups stop trusting the entity before the batch lands and two
    // losses queued together still get distinct epochs.
    return entities.map((e) => {
      const rt = this.entity(e)
      rt.state = withoutAuthority(rt.state, reason)
      return this.statePut(e, rt.state)
    })
  }

  /** Applies changes and meta writes in one atomic batch, after every earlier apply(). */
  apply(changes: readonly EntityChange[], meta: readonly MetaPut[] = [], page?: PageRange): Promise<ChangeResult[]> {
    if (this.closing) return Promise.reject(new IndexError(IndexErrorCode.CLOSED, 'index store is closed'))
    for (const c of changes) this.entity(c.entity)
    return new Promise((resolve, reject) => {
      this.queue.push({ changes, meta, page, resolve, reject })
      if (!this.draining) this.draining = this.drain()
    })
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, MAX_JOBS_PER_BATCH)
        try {
          const results = await this.commit(jobs)
          jobs.forEach((j, i) => j.resolve(results[i]!.slice(0, j.changes.length)))
        } catch (err) {
          for (const j of jobs) j.reject(err)
        }
      }
    } finally {
      this.draining = undefined
    }
  }

  private async commit(jobs: readonly Job[]): Promise<ChangeResult[][]> {
    const records = await readCurrentRecords(this.db, jobs, (name) => this.entity(name), this.io)
    const batch = buildCommitBatch(this.db, this.clock, this.persistedClock, jobs, records, this.noteState)
    this.persistedClock = batch.persistedClock
    this.slots.commitBegins(batch.slotsWritten)
    try {
      await batch.wb.flush()
    } finally {
      this.slots.commitEnds()
    }
    return batch.results
  }

  /**
   * Keeps the in-memory entity state in step with state meta written through apply(). An arrow, so
   * commit() hands it to buildCommitBatch as it is, without a wrapper per commit.
   */
  private readonly noteState = (m: MetaPut): void => {
    for (const rt of this.entities.values()) {
      if (m.value && m.key.equals(metaKey('state', rt.spec.name))) rt.state = JSON.parse(m.value.toString('utf8')) as EntityState
    }
  }

  /** Reads one meta value (e.g. the replication position). */
  async getMeta(key: Buffer): Promise<Buffer | undefined> {
    this.checkOpen()
    const v = await this.db.get(key)
    return v ? Buffer.from(v) : undefined
  }

  async getRecord(entity: string, pk: Buffer): Promise<ReverseRecord | undefined> {
    this.checkOpen()
    const v = await this.db.get(reverseKey(this.entity(entity).reversePrefix, pk))
    return v ? decodeRecord(Buffer.from(v)) : undefined
  }

  /** The entity that last claimed `value` in a unique index (one get; verify it: it may be stale). */
  async lookupUnique(entity: string, index: string, value: Buffer): Promise<Buffer | undefined> {
    this.checkOpen()
    const rt = this.entity(entity)
    const slot = rt.uniquePrefixes[rt.spec.indexes.findIndex((x) => x.name === index)]
    if (slot === undefined) throw new IndexError(IndexErrorCode.CONFIG, `index ${index} of ${entity} is not unique`)
    const key = Buffer.concat([slot, value])
    const name = slotName(key)
    const known = this.slots.get(name)
    if (known !== undefined) return known
    const token = this.slots.readStarts()
    const raw = await this.db.get(key)
    if (raw === null) return undefined
    const pk = Buffer.from(raw)
    this.slots.remember(name, pk, token)
    return pk
  }

  /** Primary keys whose `index` value equals `value` (encoded), at most `limit`, in key order. */
  async lookupEq(entity: string, index: string, value: Buffer, limit = 2): Promise<Buffer[]> {
    this.checkOpen()
    const prefix = Buffer.concat([this.indexOf(entity, index).prefix, value])
    const out: Buffer[] = []
    for await (const e of this.db.iterator({ gte: prefix, lt: prefixEnd(prefix)!, limit }, { values: false })) {
      out.push(e.key.subarray(prefix.length))
    }
    return out
  }

  /** Entries with lo <= value <= hi (each bound optional, inclusive or not), in index order. */
  scan(entity: string, index: string, lo: ScanBound | undefined, hi: ScanBound | undefined, opts: { limit?: number; reverse?: boolean } = {}): AsyncGenerator<IndexEntry> {
    this.checkOpen()
    const { prefix, type } = this.indexOf(entity, index)
    return scanRange(this.db, prefix, type, lo, hi, opts)
  }

  /** The first `limit` entries of [lo, hi] in primary-key order (range-reads.ts firstByKey). */
  async firstByKey(entity: string, index: string, lo: Buffer, hi: Buffer, limit: number, maxValues: number): Promise<IndexEntry[] | undefined> {
    this.checkOpen()
    const { prefix, type } = this.indexOf(entity, index)
    // It reads with several iterators (a probe per distinct value, then a run per value): all from one
    // snapshot, or an entity moving between two values of the range meanwhile is seen at neither.
    const snap = this.db.snapshot()
    let runsClosed: Promise<unknown> = Promise.resolve()
    try {
      // The answer need not wait for the iterators to close (a round trip each): close() waits.
      return await firstByKey(snap, prefix, type, lo, hi, limit, maxValues, (p) => (runsClosed = p))
    } finally {
      this.inBackground(runsClosed.then(() => snap.close()))
    }
  }

  private indexOf(entity: string, index: string): { prefix: Buffer; type: KeyType } {
    const rt = this.entity(entity)
    const i = rt.spec.indexes.findIndex((x) => x.name === index)
    const type = rt.spec.indexes[i]?.type
    if (type === undefined) throw new IndexError(IndexErrorCode.CONFIG, `entity ${entity} has no index ${index}`)
    return { prefix: rt.indexPrefixes[i]!, type }
  }

  /** Every reverse record of an entity in primary-key order (for verify/stats sampling). */
  async *records(entity: string, opts: { limit?: number; after?: Buffer } = {}): AsyncGenerator<{ pk: Buffer; record: ReverseRecord }> {
    this.checkOpen()
    const rt = this.entity(entity)
    const range = entityReverseRange(entity)
    const gte = opts.after ? prefixEnd(reverseKey(rt.reversePrefix, opts.after))! : range.gte
    for await (const e of this.db.iterator({ gte, lt: range.lt, limit: opts.limit ?? Infinity }, { capacity: batchOf(opts.limit) })) {
      yield { pk: e.key.subarray(rt.reversePrefix.length), record: decodeRecord(e.value) }
    }
  }

  /** Removes every entry and record of an entity and resets its state (not authoritative). */
  async clearEntity(entity: string, schema?: string): Promise<void> {
    const rt = this.entity(entity)
    await this.idle()
    const wb = this.db.write({ capacity: 8, autoDestroy: true })
    const ir = entityIndexRange(entity)
    const rr = entityReverseRange(entity)
    wb.tryDeleteRange(ir.gte, ir.lt)
    wb.tryDeleteRange(rr.gte, rr.lt)
    const ur = entityUniqueRange(entity)
    wb.tryDeleteRange(ur.gte, ur.lt)
    rt.state = cleanState(schema ?? rt.state.schema, 'cleared', rt.state.epoch + 1)
    rt.counts = { live: 0, entries: {} }
    rt.lastRecord = null
    wb.tryPut(metaKey('state', entity), Buffer.from(JSON.stringify(rt.state)))
    wb.tryPut(metaKey('counts', entity), Buffer.from(JSON.stringify(rt.counts)))
    this.slots.clear()
    this.slots.commitBegins([])
    try {
      await wb.flush()
    } finally {
      this.slots.commitEnds()
    }
  }

  /** Cleanup that answers need not wait for; close() does. Its failures only matter to close(). */
  private inBackground(p: Promise<unknown>): void {
    const tracked: Promise<void> = p.then(
      () => undefined,
      () => undefined,
    )
    this.background.add(tracked)
    void tracked.then(() => this.background.delete(tracked))
  }

  /** Resolves when every apply() queued so far is on disk. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining
  }

  async bytesOnDisk(): Promise<number> {
    return directoryBytes(this.path)
  }

  /** What the index holds in memory, by part: RocksDB's own (as it reports it) and the slot memo. */
  async memoryUsage(): Promise<IndexMemory> {
    this.checkOpen()
    const prop = async (name: string): Promise<number> => Number(await this.db.getProperty(name)) || 0
    return {
      memtables: await prop('rocksdb.size-all-mem-tables'),
      blockCache: await prop('rocksdb.block-cache-usage'),
      tableReaders: await prop('rocksdb.estimate-table-readers-mem'),
      slotCache: this.slots.bytes,
    }
  }

  private checkOpen(): void {
    if (this.closing) throw new IndexError(IndexErrorCode.CLOSED, 'index store is closed')
  }

  /** Graceful and idempotent: finishes queued batches, then closes RocksDB (releasing its LOCK). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.idle()
      while (this.background.size > 0) await Promise.all(this.background)
      await this.db.close()
    })()
    return this.closing
  }
}
