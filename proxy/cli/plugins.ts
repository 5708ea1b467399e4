// Features that attach to a running gateway (the cache, the index): each adds CallHandlers to the
// proxy, readiness checks and admin routes, and is closed on shutdown after the proxy drained.
// To add one: write a GatewayPlugin in its own folder and list it in PLUGINS below.
import type { AdminServer, ProxyMetrics, ReadinessRegistry } from '../admin/index.js'
import { cachePlugin } from '../cache/index.js'
import { indexPlugin } from '../index/index.js'
import type { Config } from '../config/index.js'
import type { ThriftProxy } from '../core/index.js'
import type { Logger } from '../log/index.js'

export interface GatewayContext {
  readonly config: Config
  readonly proxy: ThriftProxy
  readonly readiness: ReadinessRegistry
  readonly admin: AdminServer
  /** Register your metrics in `metrics.registry` (and list them in docs/metrics.md). */
  readonly metrics: ProxyMetrics
  readonly logger: Logger
  /** Fires when a signal aborts startup: cut long waits short (the gateway then closes what started). */
  readonly abort?: AbortSignal | undefined
}

export interface StartedPlugin {
  /** Called after the proxy has drained, before the process exits. */
  close?(): Promise<void>
}

export interface GatewayPlugin {
  readonly name: string
  /** Returns undefined when the config does not ask for this feature. */
  start(ctx: GatewayContext): Promise<StartedPlugin | undefined>
}

// The index after the cache: it fetches entities through the cache (cacheOf) and tells it about
// the lookups it answers.
export const PLUGINS: readonly GatewayPlugin[] = [cachePlugin, indexPlugin]
