// The cache as a gateway plugin (proxy/cli/plugins.ts): builds ThriftCache from the config, adds its
// CallHandler to the proxy, its metrics to the registry, and its admin routes:
//   POST /cache/purge   {"service":"UserService","method":"getUser","args":{"id":42}}  one entry
//                       {"service":"UserService","method":"countUsers"}               a method
//                       {"service":"UserService"}                                       a service
//                       {"all":true}                                                     everything
//   GET  /cache/entry?service=UserService&method=getUser&args={"id":42}               metadata
//   GET  /cache/stats                                                                counters
// Types here are structural (the plugin contract lives in proxy/cli; the cache may not import it).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import type { Message } from '../codec/index.js'
import type { Config } from '../config/index.js'
import type { CallHandler } from '../core/index.js'
import { CacheError } from './errors.js'
import { registerCacheMetrics } from './prom.js'
import { redisSecrets } from './redis-client.js'
import { RedisHealth } from './redis-health.js'
import { ThriftCache, cacheSetupFromConfig } from './thrift-cache.js'

interface Route {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly mutating: boolean
  readonly description: string
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>
}

export interface CachePluginContext {
  readonly config: Config
  readonly proxy: { use(h: CallHandler): void; readonly pool: { call(m: Message, o?: { timeoutMs?: number }): Promise<Message> } }
  readonly admin: { add(route: Route): void }
  readonly metrics: { readonly registry: Registry }
  readonly logger: { info(o: object, msg: string): void; warn(o: object, msg: string): void }
  readonly readiness?: { add(check: { readonly name: string; check(): { ok: boolean; detail?: string } }): () => void }
  /** A signal during startup: stop waiting for Redis (the gateway closes the cache right after). */
  readonly abort?: AbortSignal | undefined
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  res.end(text)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > 1 << 20) throw new CacheError('TG_ERR_CACHE_BAD_REQUEST', 'request body over 1 MiB')
    chunks.push(c as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    const v: unknown = text === '' ? {} : JSON.parse(text)
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
    return v as Record<string, unknown>
  } catch (err) {
    throw new CacheError('TG_ERR_CACHE_BAD_REQUEST', `body is not a JSON object: ${(err as Error).message}`, { cause: err })
  }
}

function str(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v === '') throw new CacheError('TG_ERR_CACHE_BAD_REQUEST', `"${name}" must be a non-empty string`)
  return v
}

async function guarded(res: ServerResponse, f: () => Promise<unknown>): Promise<void> {
  try {
    send(res, 200, await f())
  } catch (err) {
    if (err instanceof CacheError) send(res, 400, { error: err.message, code: err.code })
    else throw err
  }
}

const started = new WeakMap<object, ThriftCache>()

/** The cache this plugin started for `proxy`, if any (the index fetches and invalidates through it). */
export function cacheOf(proxy: object): ThriftCache | undefined {
  return started.get(proxy)
}

export const cachePlugin = {
  name: 'cache',
  async start(ctx: CachePluginContext): Promise<{ close(): Promise<void> } | undefined> {
    const cfg = ctx.config
    const hasReads = [...cfg.services.values()].some((s) => s.reads.size > 0)
    if (!hasReads) return undefined
    const cache = await ThriftCache.create({ ...cacheSetupFromConfig(cfg, (m) => ctx.proxy.pool.call(m)), abort: ctx.abort })
    ctx.proxy.use(cache.handler)
    started.set(ctx.proxy, cache)
    const redisCfg = cfg.cache.redis
    if (cache.tiers.redis !== undefined && redisCfg !== undefined) {
      // Wrong password, TLS refused, Redis down: one log line per problem and a "redis" detail in /readyz.
      const health = new RedisHealth(ctx.logger, redisSecrets(redisCfg.url, redisCfg))
      health.watch(cache.tiers.redis.client)
      ctx.readiness?.add({ name: 'redis', check: () => health.check() })
    }
    registerCacheMetrics(ctx.metrics.registry, cache)
    const admin = cache.admin
    const oneService = cfg.services.size === 1 ? [...cfg.services.keys()][0] : undefined
    ctx.admin.add({
      method: 'POST',
      path: '/cache/purge',
      mutating: true,
      description: 'Purge one entry ({service, method, args}), a method ({service, method}), a service ({service}) or everything ({all: true}).',
      handle: (req, res) =>
        guarded(res, async () => {
          const body = await readJson(req)
          if (body.all === true) {
            await admin.purgeAll()
            return { purged: 'all' }
          }
          const service = str(body.service, 'service') ?? oneService
          if (service === undefined) throw new CacheError('TG_ERR_CACHE_BAD_REQUEST', '"service" is required (several services are configured)')
          const method = str(body.method, 'method')
          if (method === undefined) return { purged: 'service', service, methods: await admin.purgeService(service) }
          if (body.args === undefined) {
            await admin.purgeMethod(service, method)
            return { purged: 'method', service, method }
          }
          await admin.purgeEntry(service, method, body.args, body.vary as Record<string, string> | undefined)
          return { purged: 'entry', service, method, args: body.args }
        }),
    })
    ctx.admin.add({
      method: 'GET',
      path: '/cache/entry',
      mutating: false,
      description: 'Metadata of one entry: ?service=&method=&args=<JSON> (tier, age, ttl, size).',
      handle: (_req, res, url) =>
        guarded(res, async () => {
          const service = url.searchParams.get('service') ?? oneService
          const method = url.searchParams.get('method')
          if (service === undefined || method === null) throw new CacheError('TG_ERR_CACHE_BAD_REQUEST', 'give ?service=...&method=...&args=<JSON>')
          let args: unknown
          try {
            args = JSON.parse(url.searchParams.get('args') ?? '{}')
          } catch (err) {
            throw new CacheError('TG_ERR_CACHE_BAD_REQUEST', `args is not JSON: ${(err as Error).message}`)
          }
          const info = await admin.inspect(service, method, args)
          return info === undefined ? { cached: false } : { cached: true, ...info }
        }),
    })
    ctx.admin.add({
      method: 'GET',
      path: '/cache/stats',
      mutating: false,
      description: 'Cache counters, in-process tier size and Redis state.',
      handle: (_req, res) =>
        guarded(res, async () => ({
          ...cache.metrics,
          redisLatency: undefined,
          memory: cache.tiers.local?.lru.stats(),
          redis: cache.tiers.redis && { breaker: cache.tiers.redis.breaker.state, pendingInvalidations: cache.tiers.redis.pending.size, subscribed: cache.tiers.bus?.subscribed },
        })),
    })
    ctx.logger.info({ methods: admin.methods(), redis: cfg.cache.redis !== undefined, memoryMaxBytes: cfg.cache.memory.maxBytes }, 'read cache on')
    return { close: () => cache.close() }
  },
}
