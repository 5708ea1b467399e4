// What the index knows about its own completeness for one entity. Range and non-unique lookups are
// answered only while `authoritative`: a backfill finished and every change since was applied.

export interface BackfillProgress {
  /** The scan method's `after` argument for the next page (JSON of the key value; i64 as a string). */
  readonly cursor: string | null
  readonly scanned: number
  readonly startedAt: string
  readonly pages: number
}

export interface EntityState {
  /** Fingerprint of the configured primary key and indexes the entries on disk were written for. */
  readonly schema: string
  readonly authoritative: boolean
  /** Why the index is not authoritative (for stats / readiness). */
  readonly reason: string
  /** Present while a backfill is running or was interrupted (resume continues from it). */
  readonly backfill: BackfillProgress | null
  /**
   * Bumped whenever authority is lost (replication gap, unknown write outcome, clear): a backfill
   * that started in an older epoch may have missed changes and must not claim authority.
   */
  readonly epoch: number
}

export interface EntityCounts {
  live: number
  entries: Record<string, number>
}

export function cleanState(schema: string, reason = 'never backfilled', epoch = 0): EntityState {
  return { schema, authoritative: false, reason, backfill: null, epoch }
}

/** The state after losing authority: not authoritative, a new epoch, no resumable backfill. */
export function withoutAuthority(s: EntityState, reason: string): EntityState {
  return { ...s, authoritative: false, reason, backfill: null, epoch: s.epoch + 1 }
}
