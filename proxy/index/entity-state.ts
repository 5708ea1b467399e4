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
}

export interface EntityCounts {
  live: number
  entries: Record<string, number>
}

export function cleanState(schema: string, reason = 'never backfilled'): EntityState {
  return { schema, authoritative: false, reason, backfill: null }
}
