// Typed errors of the read cache. Each has a stable string `code` (listed in docs/caching.md).
// Clients never see these: a Redis problem degrades to the in-process tier and the upstream, and a
// bad invalidation rule is reported when the config loads, not when traffic flows.
import { ThriftgateError } from '../errors/index.js'

export const CacheErrorCode = {
  /** An invalidation expression (`writes.<m>.invalidates`) does not parse or does not match the IDL. */
  BAD_RULE: 'TG_ERR_CACHE_BAD_RULE',
  /** A purge/inspect request names a method or arguments that do not fit the IDL. */
  BAD_REQUEST: 'TG_ERR_CACHE_BAD_REQUEST',
  /** A Redis command did not answer within the per-operation timeout. */
  REDIS_TIMEOUT: 'TG_ERR_CACHE_REDIS_TIMEOUT',
  /** A Redis command failed (connection refused/lost, error reply). */
  REDIS_FAILED: 'TG_ERR_CACHE_REDIS_FAILED',
  /** The circuit breaker is open: Redis is not asked until a probe succeeds. */
  BREAKER_OPEN: 'TG_ERR_CACHE_BREAKER_OPEN',
  /** A stored entry could not be decoded (foreign value under our prefix, or a format change). */
  BAD_ENTRY: 'TG_ERR_CACHE_BAD_ENTRY',
} as const
export type CacheErrorCode = (typeof CacheErrorCode)[keyof typeof CacheErrorCode]

export class CacheError extends ThriftgateError<CacheErrorCode> {
  override readonly name: string = 'CacheError'
}
