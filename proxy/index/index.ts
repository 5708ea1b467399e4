// Secondary indexes in RocksDB: order-preserving keys, the store (reverse records, versioned atomic
// batches), maintenance from writes and reads, lookups answered from the index, backfill, verify,
// and replication between sidecars over a Redis Stream. Other folders import from here only.
export { SecondaryIndex, type SecondaryIndexOptions, type IndexStats, type EntityStats } from './secondary-index.js'
export { cacheLinkFor, type CacheLink, type InvalidationTarget } from './cache-link.js'
export { IndexError, IndexErrorCode } from './errors.js'
export { IndexMetrics, FallbackReason } from './metrics.js'
export { registerIndexMetrics } from './prom.js'
export { indexAdminRoutes, type IndexRoute } from './admin-routes.js'
export type { BackfillResult, BackfillProgressReport } from './backfill.js'
export type { VerifyReport, VerifyMismatch } from './verify.js'
export type { ReplicationOptions } from './replication.js'
export type { IndexLimits, IndexLog } from './runtime.js'
export { KeyWriter, KeyReader, encodeKey, decodeKey, prefixEnd, KEY_TYPES, type KeyType, type KeyValue } from './key-encoding.js'
export { indexPlugin, type IndexPluginContext } from './plugin.js'
export { indexOptionsFromConfig, DEFAULT_STREAM } from './from-config.js'
