// A real stack for cache tests: the demo UserService upstream (thrift library), a ThriftProxy with
// the cache's CallHandler, config loaded by proxy/config from YAML, and UserService clients.
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ThriftCache, cacheSetupFromConfig, type CacheSetup } from '../../proxy/cache/index.js'
import { loadConfig } from '../../proxy/config/index.js'
import { ThriftProxy, type CallHandler } from '../../proxy/core/index.js'
import { connectUserClient, startUserServer, type DemoUpstream, type PeerDialect, type UserClient } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'

export const IDL = resolve('config/demo/user.thrift')

export const DEFAULT_SERVICES = `
services:
  UserService:
    reads:
      getUser:    { ttl: 60s, negativeTtl: 5s, negative: [notFound] }
      countUsers: { ttl: 60s }
    writes:
      putUser:    { invalidates: ["getUser(id: u.id)", countUsers] }
      deleteUser: { invalidates: ["getUser(id: id)", countUsers] }
`

export interface StackOptions {
  readonly upstream?: DemoUpstream
  readonly redisUrl?: string
  readonly keyPrefix?: string
  readonly memory?: string
  /** YAML of the `services:` section. */
  readonly services?: string
  readonly tune?: (s: CacheSetup) => CacheSetup
  /** Handlers registered before the cache's (their onReply runs first: a gate can hold a fill). */
  readonly before?: readonly CallHandler[]
  /** Handlers registered after the cache's (they may answer a call the cache leads). */
  readonly after?: readonly CallHandler[]
  /** Per-method request timeouts of the proxy ("method" keys); the default is 2 s. */
  readonly methodTimeoutsMs?: Readonly<Record<string, number>>
}

export interface Stack {
  readonly upstream: DemoUpstream
  readonly proxy: ThriftProxy
  readonly cache: ThriftCache
  readonly port: number
  client(d?: Partial<PeerDialect>): Promise<UserClient>
  close(): Promise<void>
}

export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const upstream = o.upstream ?? (await startUserServer({ seed: 50, transport: 'framed', protocol: 'binary' }))
  const dir = tempDir('tg-cache-')
  const file = join(dir.path, 'thriftgate.yaml')
  const redis = o.redisUrl === undefined ? '' : `  redis: { url: "${o.redisUrl}", keyPrefix: "${o.keyPrefix ?? 'tg:'}", timeout: 200ms }\n`
  writeFileSync(
    file,
    `listen: 127.0.0.1:0\nupstream: 127.0.0.1:${upstream.port}\nidl: ["${IDL}"]\ncache:\n  memory: { maxBytes: ${o.memory ?? '8MiB'} }\n${redis}${o.services ?? DEFAULT_SERVICES}`,
  )
  const cfg = loadConfig({ file, env: {} })
  const proxy = new ThriftProxy({ upstream: cfg.upstream, requestTimeoutMs: 2_000, methodTimeoutsMs: o.methodTimeoutsMs })
  let setup = cacheSetupFromConfig(cfg, (m) => proxy.pool.call(m, { timeoutMs: 1_000 }))
  if (o.tune !== undefined) setup = o.tune(setup)
  const cache = await ThriftCache.create(setup)
  for (const h of o.before ?? []) proxy.use(h)
  proxy.use(cache.handler)
  for (const h of o.after ?? []) proxy.use(h)
  const { port } = await proxy.start()
  const clients: UserClient[] = []
  return {
    upstream,
    proxy,
    cache,
    port,
    async client(d = {}) {
      const c = await connectUserClient(port, { transport: d.transport ?? 'framed', protocol: d.protocol ?? 'binary', multiplexed: d.multiplexed ?? false })
      clients.push(c)
      return c
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
      proxy.destroy()
      await cache.close()
      if (o.upstream === undefined) await upstream.close()
      dir.cleanup()
    },
  }
}

export function num(v: unknown): number {
  if (typeof v === 'number') return v
  return Number((v as { toNumber(): number }).toNumber())
}
