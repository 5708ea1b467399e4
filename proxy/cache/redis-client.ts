// Builds the ioredis client for the shared tier: one Redis by URL, Redis Cluster from seed nodes,
// or a master found through Sentinel. Options favour failing fast over queueing: a command sent
// while disconnected fails at once (the cache then uses the in-process tier and the upstream)
// instead of waiting in an offline queue until a reconnect.
// Credentials and TLS apply to every node (and to Sentinel's master): AUTH with a password or an
// ACL user and password, TLS with a rediss:// URL or explicit CA / client certificate files.
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { CacheError, CacheErrorCode } from './errors.js'
import type { RedisClient } from './redis-tier.js'

export interface HostPort {
  readonly host: string
  readonly port: number
}

/** TLS files are paths, read when the client is built (so the config never holds a key's bytes). */
export interface RedisTls {
  readonly ca?: string | undefined
  readonly cert?: string | undefined
  readonly key?: string | undefined
  readonly servername?: string | undefined
  readonly rejectUnauthorized?: boolean | undefined
}

/** How to authenticate and encrypt, beyond what the URL says (these win over the URL's user and password). */
export interface RedisConnection {
  readonly username?: string | undefined
  readonly password?: string | undefined
  /** TLS on (refined by these options); a rediss:// URL turns it on without them. */
  readonly tls?: RedisTls | undefined
}

export type RedisTarget =
  | { readonly kind: 'url'; readonly url: string; readonly conn?: RedisConnection }
  | { readonly kind: 'cluster'; readonly nodes: readonly HostPort[]; readonly conn?: RedisConnection }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly name: string; readonly db?: number; readonly conn?: RedisConnection }

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

/** Node TLS options from file paths; `true` (system CAs) when TLS is on without options. */
export function tlsOptions(t: RedisTls): ConnectionOptions {
  const read = (f: string | undefined): Buffer | undefined => (f === undefined ? undefined : readFileSync(f))
  const o: ConnectionOptions = { rejectUnauthorized: t.rejectUnauthorized ?? true }
  const ca = read(t.ca)
  const cert = read(t.cert)
  const key = read(t.key)
  if (ca !== undefined) o.ca = ca
  if (cert !== undefined) o.cert = cert
  if (key !== undefined) o.key = key
  if (t.servername !== undefined) o.servername = t.servername
  return o
}

/** The auth and TLS options of a connection (empty when there is nothing to add). */
function connOptions(c: RedisConnection | undefined): RedisOptions {
  const o: RedisOptions = {}
  if (c?.username !== undefined) o.username = c.username
  if (c?.password !== undefined) o.password = c.password
  if (c?.tls !== undefined) o.tls = tlsOptions(c.tls)
  return o
}

/**
 * ioredis lets a URL's user and password win over options; explicit ones must win (the password
 * from a Secret, the URL from the file), so they are taken out of the URL when given.
 */
function urlWithout(url: string, c: RedisConnection | undefined): string {
  if (c?.username === undefined && c?.password === undefined) return url
  try {
    const u = new URL(url)
    if (c.username !== undefined) u.username = ''
    if (c.password !== undefined) u.password = ''
    return u.toString()
  } catch {
    return url
  }
}

/** For another ioredis client on the same Redis (index replication): its URL and auth/TLS options. */
export function redisClientOptions(url: string, conn: RedisConnection | undefined): { url: string; options: RedisOptions } {
  return { url: urlWithout(url, conn), options: connOptions(conn) }
}

export function createRedisClient(target: RedisTarget): RedisClient {
  const auth = connOptions(target.conn)
  switch (target.kind) {
    case 'url':
      return new Redis(urlWithout(target.url, target.conn), { ...COMMON, ...auth })
    case 'cluster':
      return new Cluster(
        target.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          clusterRetryStrategy: (times: number) => Math.min(50 * times, 1_000),
          redisOptions: { ...COMMON, ...auth },
        },
      )
    case 'sentinel':
      // The password and TLS are the master's; sentinels are asked over TLS too when it is on.
      return new Redis({
        ...COMMON,
        ...auth,
        ...(auth.tls === undefined ? {} : { enableTLSForSentinelMode: true, sentinelTLS: auth.tls }),
        sentinels: target.sentinels.map((s) => ({ ...s })),
        name: target.name,
        db: target.db ?? 0,
      })
  }
}

/** The secrets a Redis setting carries (URL password, explicit password): never to be shown. */
export function redisSecrets(url: string, conn?: RedisConnection): string[] {
  const out: string[] = []
  if (conn?.password !== undefined) out.push(conn.password)
  try {
    const p = new URL(url).password
    if (p !== '') out.push(p, decodeURIComponent(p))
  } catch {
    // not a URL: nothing to take from it
  }
  return out
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
export function targetFromUrl(url: string, conn?: RedisConnection): RedisTarget {
  const withConn = <T extends RedisTarget>(t: T): T => (conn === undefined ? t : { ...t, conn })
  const m = /^redis\+(cluster|sentinel):\/\/([^/]+)(?:\/([^/]*))?(?:\/(\d+))?\/?$/.exec(url.trim())
  if (m === null) return withConn({ kind: 'url', url })
  const nodes = (m[2] as string).split(',').map((t) => parseHostPort(t))
  if (nodes.some((n) => n === undefined) || nodes.length === 0) {
    throw new CacheError(CacheErrorCode.BAD_REQUEST, `bad host:port list in ${m[1]} URL "${url}"`)
  }
  const hosts = nodes as HostPort[]
  if (m[1] === 'cluster') return withConn({ kind: 'cluster', nodes: hosts })
  const name = m[3]
  if (name === undefined || name === '') throw new CacheError(CacheErrorCode.BAD_REQUEST, `redis+sentinel URL "${url}" needs the master name: redis+sentinel://h1:p1,h2:p2/mymaster`)
  return withConn({ kind: 'sentinel', sentinels: hosts, name, db: m[4] === undefined ? 0 : Number(m[4]) })
}
