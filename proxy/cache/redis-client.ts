// Builds the ioredis client for the shared tier: one Redis by URL, Redis Cluster from seed nodes,
// or a master found through Sentinel. Options favour failing fast over queueing: a command sent
// while disconnected fails at once (the cache then uses the in-process tier and the upstream)
// instead of waiting in an offline queue until a reconnect.
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { CacheError, CacheErrorCode } from './errors.js'
import type { RedisClient } from './redis-tier.js'

export interface HostPort {
  readonly host: string
  readonly port: number
}

export type RedisTarget =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly HostPort[] }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly name: string; readonly db?: number }

const COMMON: RedisOptions = {
  enableOfflineQueue: false,
  // Commands issued in one event-loop turn (concurrent clients' lookups) go out in one write:
  // fewer syscalls per hit. Order on the connection is kept, which invalidation relies on.
  enableAutoPipelining: true,
  maxRetriesPerRequest: 1,
  // Reconnect quickly but not in a tight loop; capped so a restarted Redis is found within ~1s.
  retryStrategy: (times: number) => Math.min(50 * times, 1_000),
  lazyConnect: false,
}

export function createRedisClient(target: RedisTarget): RedisClient {
  switch (target.kind) {
    case 'url':
      return new Redis(target.url, COMMON)
    case 'cluster':
      return new Cluster(
        target.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          clusterRetryStrategy: (times: number) => Math.min(50 * times, 1_000),
          redisOptions: COMMON,
        },
      )
    case 'sentinel':
      return new Redis({ ...COMMON, sentinels: target.sentinels.map((s) => ({ ...s })), name: target.name, db: target.db ?? 0 })
  }
}

/** Parses "host:port" (IPv6 in brackets). */
export function parseHostPort(text: string): HostPort | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim())
  if (m === null) return undefined
  const port = Number(m[2])
  if (port < 1 || port > 65_535) return undefined
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port }
}

/**
 * The target a config URL names: redis:// or rediss:// (one server, ioredis parses it),
 * redis+cluster://h1:p1,h2:p2 (Cluster seed nodes), redis+sentinel://h1:p1,h2:p2/masterName[/db].
 */
export function targetFromUrl(url: string): RedisTarget {
  const m = /^redis\+(cluster|sentinel):\/\/([^/]+)(?:\/([^/]*))?(?:\/(\d+))?\/?$/.exec(url.trim())
  if (m === null) return { kind: 'url', url }
  const nodes = (m[2] as string).split(',').map((t) => parseHostPort(t))
  if (nodes.some((n) => n === undefined) || nodes.length === 0) {
    throw new CacheError(CacheErrorCode.BAD_REQUEST, `bad host:port list in ${m[1]} URL "${url}"`)
  }
  const hosts = nodes as HostPort[]
  if (m[1] === 'cluster') return { kind: 'cluster', nodes: hosts }
  const name = m[3]
  if (name === undefined || name === '') throw new CacheError(CacheErrorCode.BAD_REQUEST, `redis+sentinel URL "${url}" needs the master name: redis+sentinel://h1:p1,h2:p2/mymaster`)
  return { kind: 'sentinel', sentinels: hosts, name, db: m[4] === undefined ? 0 : Number(m[4]) }
}
