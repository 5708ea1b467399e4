// SecondaryIndexOptions from the normalised config (shared by the gateway plugin and the CLI).
import { dialectOf } from '../codec/index.js'
import type { RedisOptions } from 'ioredis'
import { redisClientOptions } from '../cache/index.js'
import type { Config } from '../config/index.js'
import type { CacheLink } from './cache-link.js'
import { IndexError, IndexErrorCode } from './errors.js'
import type { UpstreamCall } from './fetcher.js'
import type { IndexLog } from './runtime.js'
import type { SecondaryIndexOptions } from './secondary-index.js'

export const DEFAULT_STREAM = 'thriftgate:index'

/** The cache's Redis credentials and TLS go with its URL when replication shares it. */
function replicationRedis(url: string, shared: Config['cache']['redis']): { url: string; redisOptions?: RedisOptions } {
  if (shared === undefined) return { url }
  const c = redisClientOptions(url, shared)
  return { url: c.url, redisOptions: c.options }
}

/** undefined when the config has no `index` section or no entities. */
export function indexOptionsFromConfig(config: Config, deps: { upstream: UpstreamCall; cache?: CacheLink | undefined; log?: IndexLog }): SecondaryIndexOptions | undefined {
  const ix = config.index
  if (ix === undefined) return undefined
  if (![...config.services.values()].some((s) => s.entities.size > 0)) return undefined
  const r = ix.replication
  const url = r?.redis ?? config.cache.redis?.url
  if (r !== undefined && url === undefined) {
    throw new IndexError(IndexErrorCode.CONFIG, 'index.replication needs a Redis URL: set index.replication.redis or cache.redis.url')
  }
  const limits: { maxRangeScan?: number; fetchConcurrency?: number } = {}
  if (ix.maxRangeScan !== undefined) limits.maxRangeScan = ix.maxRangeScan
  if (ix.fetchConcurrency !== undefined) limits.fetchConcurrency = ix.fetchConcurrency
  return {
    path: ix.path,
    services: config.services,
    idl: config.idl.model,
    upstream: deps.upstream,
    cache: deps.cache,
    replication: r === undefined ? undefined : { ...replicationRedis(url!, r.redis === undefined ? config.cache.redis : undefined), stream: r.stream ?? DEFAULT_STREAM, maxLen: r.maxLen },
    limits,
    writeBufferSize: ix.writeBufferSize,
    slotCache: ix.slotCache,
    // Calls the index makes by itself speak the configured dialect, else the clients' (seen first).
    dialect:
      config.transport !== 'auto' && config.protocol !== 'auto' ? dialectOf(config.transport, config.protocol, true) : undefined,
    log: deps.log,
  }
}
