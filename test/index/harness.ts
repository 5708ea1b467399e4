// A real stack for index tests: the demo UserService (thrift library) as upstream, a ThriftProxy
// with the cache's and the index's CallHandlers, config loaded from YAML by proxy/config, the
// index on a temp RocksDB directory, and UserService clients (thrift library) through the proxy
// and directly to the upstream (to compare answers).
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ThriftCache, cacheSetupFromConfig } from '../../proxy/cache/index.js'
import { loadConfig, type Config } from '../../proxy/config/index.js'
import { ThriftProxy } from '../../proxy/core/index.js'
import { SecondaryIndex, cacheLinkFor, type SecondaryIndexOptions } from '../../proxy/index/index.js'
import { connectUserClient, startUserServer, type DemoUpstream, type PeerDialect, type UserClient } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'

export const IDL = resolve('config/demo/user.thrift')

export const ENTITIES = `
    entities:
      User:
        get: getUser
        key: id
        indexes: { email: { unique: true }, age: {} }
        writes: { putUser: { upsert: u }, deleteUser: { delete: id } }
        lookups:
          getUserByEmail: { index: email }
          listUsersByAge: { index: age, range: [lo, hi], order: key, limit: limit }
        scan: { method: scanUsers, after: afterId, limit: limit }
`

export const CACHED_READS = `
    reads:
      getUser:        { ttl: 60s }
      getUserByEmail: { ttl: 60s, negativeTtl: 60s, negative: [notFound] }
      listUsersByAge: { ttl: 60s }
    writes:
      putUser:    { invalidates: ["getUser(id: u.id)"] }
      deleteUser: { invalidates: ["getUser(id: id)"] }
`

export interface IndexStackOptions {
  readonly upstream?: DemoUpstream
  readonly seed?: number
  /** Index directory (default: a fresh temp dir). */
  readonly path?: string
  /** With the read cache (getUser, getUserByEmail, listUsersByAge cached). */
  readonly cache?: boolean
  /** YAML of the cache's reads/writes (default CACHED_READS) when `cache` is set. */
  readonly cacheRules?: string
  /** The cache's shared Redis tier (URL) when `cache` is set; default: in-process tier only. */
  readonly cacheRedis?: string
  readonly replication?: SecondaryIndexOptions['replication']
  readonly transport?: PeerDialect['transport']
  readonly protocol?: PeerDialect['protocol']
  /** The proxy's timeout for client calls (default 5 s). */
  readonly requestTimeoutMs?: number
  /** Wraps the pool call the index uses (to hold a backfill page while a write passes). */
  readonly wrapUpstream?: (call: SecondaryIndexOptions['upstream'], stack: () => IndexStack) => SecondaryIndexOptions['upstream']
}

export interface IndexStack {
  readonly upstream: DemoUpstream
  readonly proxy: ThriftProxy
  readonly index: SecondaryIndex
  readonly cache: ThriftCache | undefined
  readonly config: Config
  readonly path: string
  /** The proxy's port. */
  readonly port: number
  /** A client through the proxy. */
  client(d?: Partial<PeerDialect>): Promise<UserClient>
  /** A client straight to the upstream (the reference answers). */
  direct(d?: Partial<PeerDialect>): Promise<UserClient>
  close(): Promise<void>
}

export async function startIndexStack(o: IndexStackOptions = {}): Promise<IndexStack> {
  const transport = o.transport ?? 'framed'
  const protocol = o.protocol ?? 'binary'
  const upstream = o.upstream ?? (await startUserServer({ seed: o.seed ?? 200, transport, protocol }))
  const dir = tempDir('tg-index-')
  const path = o.path ?? join(dir.path, 'index')
  const file = join(dir.path, 'thriftgate.yaml')
  writeFileSync(
    file,
    `listen: 127.0.0.1:0\nupstream: 127.0.0.1:${upstream.port}\nidl: ["${IDL}"]\nindex: { path: "${path}" }\ncache:\n  memory: { maxBytes: 8MiB }\n${o.cacheRedis === undefined ? '' : `  redis: { url: "${o.cacheRedis}" }\n`}services:\n  UserService:\n${o.cache === true ? (o.cacheRules ?? CACHED_READS) : ''}${ENTITIES}`,
  )
  const config = loadConfig({ file, env: {} })
  const proxy = new ThriftProxy({ upstream: config.upstream, requestTimeoutMs: o.requestTimeoutMs ?? 5_000 })
  const call = (m: Parameters<typeof proxy.pool.call>[0]) => proxy.pool.call(m, { timeoutMs: 5_000 })
  let cache: ThriftCache | undefined
  if (o.cache === true) {
    cache = await ThriftCache.create(cacheSetupFromConfig(config, call))
    // Before the index, as the gateway's plugins register them: when the index answers a lookup
    // the cache was leading a fill of, the core tells the cache (onSettled) and it stores the answer.
    proxy.use(cache.handler)
  }
  const index = await SecondaryIndex.open({
    path,
    services: config.services,
    idl: config.idl.model,
    upstream: o.wrapUpstream === undefined ? call : o.wrapUpstream(call, () => stack),
    cache: cache === undefined ? undefined : cacheLinkFor(cache),
    replication: o.replication,
  })
  proxy.use(index.handler)
  const { port } = await proxy.start()
  const clients: UserClient[] = []
  const connect = async (p: number, d: Partial<PeerDialect>): Promise<UserClient> => {
    const c = await connectUserClient(p, { transport: d.transport ?? transport, protocol: d.protocol ?? protocol, multiplexed: d.multiplexed ?? false })
    clients.push(c)
    return c
  }
  const stack: IndexStack = {
    upstream,
    proxy,
    index,
    cache,
    config,
    path,
    port,
    client: (d = {}) => connect(port, d),
    direct: (d = {}) => connect(upstream.port, d),
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
      await proxy.close(1_000)
      await index.close()
      await cache?.close()
      if (o.upstream === undefined) await upstream.close()
    },
  }
  return stack
}

/** The thrift library's i64 (Int64) or number as a bigint. */
export function big(v: unknown): bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return BigInt(v)
  const b = (v as { buffer: Buffer; offset?: number }).buffer
  return b.readBigInt64BE((v as { offset?: number }).offset ?? 0)
}

/** A user value as plain JSON-able data, for deepEqual between the proxy's and the upstream's answers. */
export function plain(u: unknown): unknown {
  if (Array.isArray(u)) return u.map(plain)
  const x = u as { id: unknown; name: string; email: string; age: number; tags: string[] | null }
  return { id: big(x.id).toString(), name: x.name, email: x.email, age: x.age, tags: x.tags ?? null }
}
