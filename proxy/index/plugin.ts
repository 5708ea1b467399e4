// The index as a gateway plugin (proxy/cli/plugins.ts), listed after the cache: opens the index
// (a locked or corrupt directory disables it, the proxy still starts), adds its CallHandler, its
// metrics, its admin routes (/index/*) and an "index" readiness check, and closes RocksDB on
// shutdown after the proxy drained. Types are structural: the plugin contract lives in proxy/cli.
import type { Registry } from 'prom-client'
import { cacheOf } from '../cache/index.js'
import type { Message } from '../codec/index.js'
import type { Config } from '../config/index.js'
import type { CallHandler } from '../core/index.js'
import { indexAdminRoutes, type IndexRoute } from './admin-routes.js'
import { cacheLinkFor } from './cache-link.js'
import { indexOptionsFromConfig } from './from-config.js'
import { registerIndexMetrics } from './prom.js'
import { SecondaryIndex } from './secondary-index.js'

export interface IndexPluginContext {
  readonly config: Config
  readonly proxy: { use(h: CallHandler): void; readonly pool: { call(m: Message, o?: { timeoutMs?: number }): Promise<Message> } }
  readonly admin: { add(route: IndexRoute): void }
  readonly readiness: { add(check: { name: string; check(): Promise<{ ok: boolean; detail: string }> }): unknown }
  readonly metrics: { readonly registry: Registry }
  readonly logger: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void }
}

export const indexPlugin = {
  name: 'index',
  async start(ctx: IndexPluginContext): Promise<{ close(): Promise<void> } | undefined> {
    const cache = cacheOf(ctx.proxy)
    const opts = indexOptionsFromConfig(ctx.config, {
      upstream: (m) => ctx.proxy.pool.call(m),
      cache: cache === undefined ? undefined : cacheLinkFor(cache),
      log: (level, msg, fields = {}) => (level === 'error' ? ctx.logger.error(fields, msg) : level === 'warn' ? ctx.logger.warn(fields, msg) : ctx.logger.info(fields, msg)),
    })
    if (opts === undefined) return undefined
    const index = await SecondaryIndex.open(opts)
    ctx.proxy.use(index.handler)
    registerIndexMetrics(ctx.metrics.registry, index)
    for (const r of indexAdminRoutes(index)) ctx.admin.add(r)
    ctx.readiness.add(index.readinessCheck({ waitCatchUpMs: opts.replication === undefined ? undefined : 30_000 }))
    const stats = await index.stats()
    ctx.logger.info(
      { path: opts.path, enabled: index.enabled, error: index.error?.code, replication: opts.replication?.stream, entities: stats.entities.map((e) => ({ entity: e.name, authoritative: e.authoritative, entities: e.entities })) },
      index.enabled ? 'secondary index on' : 'secondary index DISABLED: lookups are forwarded',
    )
    if (ctx.config.index?.autoBackfill === true && index.enabled) {
      // In the background: the proxy serves (forwarding ranges) while the index is built.
      for (const e of stats.entities) {
        if (e.authoritative || index.model(e.name).scan === undefined) continue
        index.backfill(e.name).then(
          (r) => ctx.logger.info({ entity: e.name, scanned: r.scanned, seconds: r.elapsedMs / 1000, authoritative: r.authoritative }, 'index backfill done'),
          (err: unknown) => ctx.logger.warn({ entity: e.name, code: (err as { code?: string }).code }, `index backfill failed: ${(err as Error).message}`),
        )
      }
    }
    return { close: () => index.close() }
  },
}
