// The normalised configuration: what the rest of thriftgate reads. Durations are milliseconds,
// sizes bytes, host:port parsed, paths absolute, IDL names resolved to field ids where an IDL is given.
import type { IdlModel } from './idl-model.js'
import type { InvalidationExpr, PathSegment } from './invalidation.js'
import type { HostPort } from './units.js'

export type TransportSetting = 'auto' | 'framed' | 'unframed' | 'header'
export type ProtocolSetting = 'auto' | 'binary' | 'compact'
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Limits {
  readonly maxConnections: number
  readonly maxInFlightPerConnection: number
  readonly maxFrameSize: number
  readonly maxDepth: number
  /** 0 = never close idle connections. */
  readonly idleTimeoutMs: number
  readonly maxBufferedBytes: number
  /** Across all client connections. */
  readonly maxInFlightTotal: number
  readonly maxBufferedBytesTotal: number
  /** 0 = no deadline for a message to complete. */
  readonly messageTimeoutMs: number
  /** 0 = a client that does not read is never closed. */
  readonly slowClientTimeoutMs: number
}

/** TLS to Redis: file paths (absolute), read when the client connects; never the key's content here. */
export interface RedisTlsConfig {
  readonly ca: string | undefined
  readonly cert: string | undefined
  readonly key: string | undefined
  readonly servername: string | undefined
  readonly rejectUnauthorized: boolean
}

export interface RedisConfig {
  /** As written (may hold a password: log it only through redactUrl). */
  readonly url: string
  /** ACL user and password given apart from the URL (they win over the URL's). Never log them. */
  readonly username?: string
  readonly password?: string
  /** Set when cache.redis.tls is given; a rediss:// URL turns TLS on without it. */
  readonly tls?: RedisTlsConfig
  readonly keyPrefix: string
  /** Per-operation timeout. */
  readonly timeoutMs: number
  /** How long a refill lease on an expired key holds (cross-sidecar stampede control). */
  readonly leaseMs: number
  /** How long a reader waits for another sidecar's lease holder before forwarding itself. */
  readonly leaseWaitMs: number
  /** How long startup waits for Redis before starting without it. */
  readonly connectWaitMs: number
  readonly breaker: { readonly failures: number; readonly cooldownMs: number }
}

export interface CacheConfig {
  readonly memory: { readonly maxBytes: number }
  readonly redis: RedisConfig | undefined
}

/** A name from the config, with its Thrift field id once resolved against the IDL. */
export interface FieldRef {
  readonly name: string
  /** undefined when no IDL was given (names cannot be resolved then). */
  readonly id: number | undefined
}

export interface ReadConfig {
  readonly method: string
  readonly ttlMs: number
  /** Serve stale for this long after ttl while one refresh runs. Default 0. */
  readonly graceMs: number
  /** How long an entry is kept at all (for revalidation); at least ttl + grace. */
  readonly keepMs: number
  /** TTL for declared-exception replies listed in `negative`. Default 0 (not cached). */
  readonly negativeTtlMs: number
  /** Declared exceptions (throws names) whose replies may be cached, with their result field ids. */
  readonly negative: readonly FieldRef[]
  /** THeader info keys whose values become part of the cache key. */
  readonly vary: readonly string[]
}

/** A resolved invalidation: the segments carry ids when the IDL is known. */
export interface Invalidation extends InvalidationExpr {
  readonly bindings: ReadonlyArray<{ readonly param: PathSegment; readonly source: readonly PathSegment[] }>
}

export interface WriteConfig {
  readonly method: string
  readonly invalidates: readonly Invalidation[]
}

export interface EntityIndex {
  readonly name: string
  /** The entity's field the index is on. */
  readonly field: FieldRef
  readonly unique: boolean
}

export interface EntityWrite {
  readonly method: string
  readonly kind: 'upsert' | 'delete'
  /** The write's argument: the entity (upsert) or its key (delete). */
  readonly arg: FieldRef
}

export interface EntityLookup {
  readonly method: string
  readonly index: string
  /** Equality lookup: the argument holding the value (default: the method's only argument). */
  readonly arg: FieldRef | undefined
  /** Range lookup: [lo, hi] arguments, inclusive. */
  readonly range: readonly [FieldRef, FieldRef] | undefined
  /** key: primary-key order; index: indexed value, then primary key. */
  readonly order: 'key' | 'index'
  readonly limit: FieldRef | undefined
}

export interface EntityConfig {
  /** The IDL struct name. */
  readonly name: string
  /** Method reading one entity by key. */
  readonly get: string
  /** The entity's key field. */
  readonly key: FieldRef
  /** The get method's argument carrying the key. */
  readonly getArg: FieldRef
  readonly indexes: ReadonlyMap<string, EntityIndex>
  readonly writes: ReadonlyMap<string, EntityWrite>
  readonly lookups: ReadonlyMap<string, EntityLookup>
  readonly scan: { readonly method: string; readonly after: FieldRef; readonly limit: FieldRef } | undefined
}

export interface ServiceConfig {
  readonly name: string
  readonly timeoutsMs: ReadonlyMap<string, number>
  /** Config `oneway` plus the methods the IDL declares oneway. */
  readonly oneway: ReadonlySet<string>
  readonly reads: ReadonlyMap<string, ReadConfig>
  readonly writes: ReadonlyMap<string, WriteConfig>
  readonly entities: ReadonlyMap<string, EntityConfig>
}

export interface IndexConfig {
  readonly path: string
  /** Several sidecars share index changes through this Redis Stream (redis defaults to cache.redis.url). */
  readonly replication: { readonly redis: string | undefined; readonly stream: string | undefined; readonly maxLen: number | undefined } | undefined
  /** Backfill every entity that is not authoritative when the proxy starts (in the background). */
  readonly autoBackfill: boolean
  readonly maxRangeScan: number | undefined
  readonly fetchConcurrency: number | undefined
  /** RocksDB memtable bytes (at most two are kept): bounds the index's write memory. */
  readonly writeBufferSize: number
  /** Bytes of recently read unique-index slots kept in memory (0: off). */
  readonly slotCache: number
}

export interface Config {
  /** The file it was loaded from (absolute), or undefined when built from flags alone. */
  readonly source: string | undefined
  readonly listen: HostPort
  readonly upstream: HostPort
  readonly admin: HostPort
  readonly adminToken: string | undefined
  /** Off loopback without a token: 'refuse' was a config error, so here it means a token or loopback. */
  readonly adminWithoutToken: 'refuse' | 'read-only'
  readonly transport: TransportSetting
  readonly protocol: ProtocolSetting
  readonly timeouts: { readonly connectMs: number; readonly requestMs: number }
  readonly limits: Limits
  readonly drain: { readonly deadlineMs: number }
  readonly log: { readonly level: LogLevel }
  /** IDL files (absolute) and the model loaded from them, if any. */
  readonly idl: { readonly files: readonly string[]; readonly model: IdlModel | undefined }
  /** The proxy's own upstream pool (cache refresh, index): per dialect, one call in flight per connection. */
  readonly pool: { readonly size: number; readonly maxQueue: number; readonly idleMs: number }
  readonly cache: CacheConfig
  readonly index: IndexConfig | undefined
  readonly services: ReadonlyMap<string, ServiceConfig>
}
