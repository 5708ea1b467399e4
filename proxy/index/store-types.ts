// The vocabulary of the index store (store.ts) and of the helpers it commits batches with
// (current-records.ts, apply-change.ts): what callers hand it, what it answers, and what it keeps in
// memory per entity. Kept apart so the helpers need not import the store class itself.
import type { KeyType } from './key-encoding.js'
import type { ReverseRecord } from './record.js'
import type { Version } from './version.js'
import type { EntityCounts, EntityState } from './entity-state.js'

export interface StoreIndexSpec {
  readonly name: string
  readonly type: KeyType
  /** Also keep value -> pk (the last claimant) for one-get point lookups. */
  readonly unique?: boolean
}
export interface StoreEntitySpec {
  readonly name: string
  readonly pkType: KeyType
  readonly indexes: readonly StoreIndexSpec[]
}

/** How the RocksDB under the store is sized (config index.*). */
export interface IndexStoreTuning {
  /** Memtable bytes; RocksDB keeps at most two, so this bounds the index's unflushed write memory. */
  readonly writeBufferSize?: number | undefined
  /** Bytes of recently read unique slots kept in memory (0: none); see slot-memo.ts. */
  readonly slotCache?: number | undefined
}
/** Bytes the index holds in memory, by part (memtables and block cache are bounded by RocksDB's options). */
export interface IndexMemory {
  readonly memtables: number
  readonly blockCache: number
  readonly tableReaders: number
  readonly slotCache: number
}
export const DEFAULT_WRITE_BUFFER_SIZE = 16 * 1024 * 1024
export const DEFAULT_SLOT_CACHE = 4 * 1024 * 1024

export interface EntityChange {
  readonly entity: string
  /** Encoded primary key component. */
  readonly pk: Buffer
  /** Encoded value per index (entity's index order), null for an unset field; null = deleted. */
  readonly values: readonly (Buffer | null)[] | null
  /** write: its own version; observe: the version current when the read was sent. */
  readonly version: Version
  readonly kind: 'write' | 'observe'
}

export interface ChangeResult {
  readonly applied: boolean
  /** The record before this change (undefined: never seen). */
  readonly previous: ReverseRecord | undefined
}

export interface MetaPut {
  readonly key: Buffer
  readonly value: Buffer | null
}

export interface IndexEntry {
  readonly value: Buffer
  readonly pk: Buffer
}

export interface ScanBound {
  readonly value: Buffer
  readonly inclusive: boolean
}

/** A backfill page: every entity with a key in (from, to] (encoded pks; undefined: unbounded), as of `asOf`. */
export interface PageRange {
  readonly entity: string
  /** Exclusive (the previous page's last key). */
  readonly from: Buffer | undefined
  /** Inclusive. */
  readonly to: Buffer | undefined
  readonly asOf: Version
  /** Records in the range that the page does not hold were deleted upstream: remove them. */
  readonly reconcile: boolean
}

/** One indexed entity as the store keeps it in memory (prefixes computed once, state and counts current). */
export interface EntityRuntime {
  readonly spec: StoreEntitySpec
  readonly reversePrefix: Buffer
  readonly indexPrefixes: readonly Buffer[]
  /** Per index: the unique slot prefix, or undefined for non-unique indexes. */
  readonly uniquePrefixes: readonly (Buffer | undefined)[]
  state: EntityState
  counts: EntityCounts
  /**
   * The highest reverse key written for this entity (null: it has no records), so every record
   * sorts at or below it: a backfill page whose range starts above it needs no read. It only
   * grows until the entity is cleared (an over-estimate costs a read, never a missed record).
   */
  lastRecord: Buffer | null
}

/**
 * Changes of one batch with, per change, its entity, its reverse key and that key as a string (the
 * overlay's map key): computed once, since a backfill page brings a thousand changes and every step
 * of a commit visits each of them.
 */
export interface ChangePlan {
  readonly rts: readonly EntityRuntime[]
  readonly keys: readonly Buffer[]
  readonly names: readonly string[]
}

/** The current record per reverse key name: this batch's earlier changes, else what is on disk. */
export type RecordOverlay = Map<string, ReverseRecord | undefined>
