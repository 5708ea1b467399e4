// Typed index errors. The index is an optimisation: none of these may take the proxy down; the
// caller logs them and forwards the call (or runs without the index), so each carries a stable
// `code` for logs, metrics and docs/errors.md.
import { ThriftgateError } from '../errors/index.js'

export const IndexErrorCode = {
  /** Another process (or this one) holds the RocksDB LOCK file of the index directory. */
  LOCKED: 'TG_ERR_INDEX_LOCKED',
  /** RocksDB reported corruption (CURRENT/MANIFEST/SST) while opening or reading. */
  CORRUPT: 'TG_ERR_INDEX_CORRUPT',
  /** The index directory could not be opened for another reason (permissions, disk). */
  OPEN_FAILED: 'TG_ERR_INDEX_OPEN_FAILED',
  /** The index was used after close() or while it is disabled. */
  CLOSED: 'TG_ERR_INDEX_CLOSED',
  /** The `index`/`entities` configuration does not match the IDL (unknown field, wrong type). */
  CONFIG: 'TG_ERR_INDEX_CONFIG',
  /** A value of a type that has no order-preserving key encoding (struct, container). */
  UNINDEXABLE: 'TG_ERR_INDEX_UNINDEXABLE',
  /** Stored bytes that do not decode (a record written by an incompatible version). */
  BAD_RECORD: 'TG_ERR_INDEX_BAD_RECORD',
  /** The replication stream lost entries this sidecar has not applied (trimmed, deleted). */
  REPLICATION_GAP: 'TG_ERR_INDEX_REPLICATION_GAP',
  /** Publishing to or reading from the replication stream failed. */
  REPLICATION: 'TG_ERR_INDEX_REPLICATION',
  /** A backfill page could not be fetched or decoded. */
  BACKFILL: 'TG_ERR_INDEX_BACKFILL',
  /** The upstream answered a call the index originated with an error or something unexpected. */
  UPSTREAM: 'TG_ERR_INDEX_UPSTREAM',
} as const
export type IndexErrorCode = (typeof IndexErrorCode)[keyof typeof IndexErrorCode]

export class IndexError extends ThriftgateError<IndexErrorCode> {
  override readonly name: string = 'IndexError'
}

/**
 * Classifies an error thrown by rocksdb-native while opening a directory. The binding reports
 * RocksDB's Status text with errno-ish codes (a held LOCK is "EIO ... LOCK: No locks available"),
 * so the text is what distinguishes the cases.
 */
export function openErrorFor(path: string, err: unknown): IndexError {
  const text = err instanceof Error ? err.message : String(err)
  if (/\bLOCK\b|lock hold|No locks available|Resource temporarily unavailable/i.test(text)) {
    return new IndexError(
      IndexErrorCode.LOCKED,
      `index directory ${path} is locked by another process (is another thriftgate running on it?): ${text}`,
      { cause: err },
    )
  }
  if (/corrupt|Corruption|MANIFEST|CURRENT|checksum|bad magic|truncated/i.test(text)) {
    return new IndexError(
      IndexErrorCode.CORRUPT,
      `index directory ${path} is corrupt (${text}); move it aside and run \`thriftgate index rebuild\``,
      { cause: err },
    )
  }
  return new IndexError(IndexErrorCode.OPEN_FAILED, `cannot open index directory ${path}: ${text}`, { cause: err })
}
