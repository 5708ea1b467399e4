// Plain counters the index bumps on its paths; prom.ts reads them at scrape time.

export const FallbackReason = {
  /** The index is disabled (locked/corrupt directory, closed). */
  disabled: 'disabled',
  /** A range/non-unique lookup while the index is not authoritative for the entity. */
  not_authoritative: 'not_authoritative',
  /** No index entry for the value. */
  miss: 'miss',
  /** Several primary keys claim a unique value, or a range result could not be trusted. */
  doubt: 'doubt',
  /** The fetched entity no longer has the looked-up value (stale entry): a verify failure. */
  mismatch: 'mismatch',
  /** Fetching the entity failed (upstream error, declared exception such as NotFound). */
  fetch_failed: 'fetch_failed',
  /** Arguments the index cannot use (absent, wrong type, undecodable). */
  bad_args: 'bad_args',
  /** A range wider than the configured maximum of entries to scan. */
  too_large: 'too_large',
  /** A range/non-unique lookup while writes to some key of the entity overlapped (write-overlap.ts). */
  in_doubt: 'in_doubt',
  /** An unexpected error in the index (logged). */
  error: 'error',
} as const
export type FallbackReason = (typeof FallbackReason)[keyof typeof FallbackReason]

export class IndexMetrics {
  /** Lookups answered from the index, by kind. */
  readonly hits = { point: 0, range: 0 }
  /** Lookups forwarded, by reason. */
  readonly fallbacks: Record<FallbackReason, number> = Object.fromEntries(Object.keys(FallbackReason).map((k) => [k, 0])) as Record<FallbackReason, number>
  /** Entities whose fetched value disagreed with the index (at lookup time or by `verify`). */
  verifyFailures = 0
  /** Changes from successful writes applied / skipped as older than what the index holds. */
  writesApplied = 0
  writesStale = 0
  /** Configured writes that failed (declared exception or TApplicationException): nothing changed. */
  writesFailed = 0
  /** Configured writes without a reply (timeout, connection lost): authority dropped. */
  writesUnknown = 0
  /** Entities learned from replies (get, forwarded lookups, backfill pages, re-fetches). */
  observations = 0
  /** Changes that could not be published to the replication stream. */
  publishErrors = 0
  /** Keys put in doubt by overlapping writes (their order upstream unknown), re-reads that settled one, re-reads that failed. */
  overlaps = 0
  rereads = 0
  rereadFailures = 0
  /** Errors inside maintenance (logged; the client's reply is never held back by them). */
  maintenanceErrors = 0
}
