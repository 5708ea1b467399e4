// A running thriftgate: the proxy, its admin server, metrics, readiness checks and plugins, and the
// graceful shutdown that takes them down in order (readiness fails first, the listener stops
// accepting, calls in flight finish within the drain deadline, then everything closes).
import { AdminServer, ProxyMetrics, ReadinessRegistry, upstreamCheck } from '../admin/index.js'
import { formatHostPort, isLoopback, type Config } from '../config/index.js'
import { ThriftProxy } from '../core/index.js'
import type { Logger } from '../log/index.js'
import { logCoreEvents } from './log-events.js'
import { PLUGINS, type GatewayPlugin, type StartedPlugin } from './plugins.js'
import { toProxyOptions } from './proxy-options.js'
import { throwIfAborted, trapShutdownSignals } from './signals.js'

export interface Gateway {
  readonly proxy: ThriftProxy
  readonly admin: AdminServer
  readonly readiness: ReadinessRegistry
  readonly metrics: ProxyMetrics
  /** Where clients connect (the real port when the config said 0). */
  readonly listen: { host: string; port: number }
  readonly adminAddress: { host: string; port: number }
  /** Names of the plugins that started (a plugin the config does not ask for does not start). */
  readonly plugins: readonly string[]
  /** Graceful shutdown (idempotent); resolves when everything is closed. */
  shutdown(reason: string): Promise<void>
}

/**
 * Starts everything in order. When `abort` fires first (a signal during startup) it stops between
 * steps (plugins get it too, to cut their own waits short), closes what it opened and rejects with
 * StartupAbortedError (TG_ERR_STARTUP_ABORTED).
 */
export async function startGateway(config: Config, logger: Logger, plugins: readonly GatewayPlugin[] = PLUGINS, abort?: AbortSignal): Promise<Gateway> {
  const proxy = new ThriftProxy(toProxyOptions(config))
  const readiness = new ReadinessRegistry()
  const model = config.idl.model
  const metrics = new ProxyMetrics({
    stats: () => proxy.stats(),
    isKnownMethod:
      model === undefined
        ? undefined
        : (service, method) => (service === undefined ? [...model.services.values()].some((s) => s.methods.has(method)) : model.services.get(service)?.methods.has(method) === true),
  })
  const stopLogging = logCoreEvents(logger)
  readiness.add({ name: 'proxy', check: () => (proxy.ready ? { ok: true, detail: 'accepting connections' } : { ok: false, detail: 'not accepting connections' }) })
  readiness.add(upstreamCheck({ host: config.upstream.host, port: config.upstream.port, timeoutMs: Math.min(config.timeouts.connectMs, 1_000) }))
  const admin = new AdminServer({
    host: config.admin.host,
    port: config.admin.port,
    metrics,
    readiness,
    logger,
    adminToken: config.adminToken,
    loopback: isLoopback(config.admin.host),
  })

  const started: Array<{ name: string; plugin: StartedPlugin }> = []
  let listen: { host: string; port: number }
  let adminAddress: { host: string; port: number }
  try {
    throwIfAborted(abort)
    adminAddress = await admin.listen()
    for (const p of plugins) {
      throwIfAborted(abort)
      const s = await p.start({ config, proxy, readiness, admin, metrics, logger: logger.child({ component: p.name }), abort })
      if (s !== undefined) started.push({ name: p.name, plugin: s })
    }
    throwIfAborted(abort)
    listen = await proxy.start()
    throwIfAborted(abort)
  } catch (err) {
    proxy.destroy()
    for (const s of started.reverse()) await s.plugin.close?.().catch(() => undefined)
    await admin.close()
    metrics.close()
    stopLogging()
    throw err
  }
  logger.info(
    { listen: formatHostPort(listen), upstream: formatHostPort(config.upstream), admin: formatHostPort(adminAddress), config: config.source, idl: config.idl.files, plugins: started.map((s) => s.name) },
    'thriftgate started',
  )

  let closing: Promise<void> | undefined
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      // Readiness fails first, so load balancers stop sending new connections while we drain.
      readiness.startDraining()
      logger.info({ reason, deadlineMs: config.drain.deadlineMs }, 'shutting down')
      await proxy.close(config.drain.deadlineMs)
      for (const s of started.reverse()) {
        try {
          await s.plugin.close?.()
        } catch (err) {
          logger.error({ err, plugin: s.name }, 'plugin failed to close')
        }
      }
      await admin.close()
      metrics.close()
      stopLogging()
      logger.info('stopped')
    })()
    return closing
  }
  return { proxy, admin, readiness, metrics, listen, adminAddress, plugins: started.map((s) => s.name), shutdown }
}

/**
 * SIGTERM/SIGINT start a graceful shutdown and exit 0 when it is done; a second signal exits at once.
 * (serve traps the signals before startup instead: signals.ts.)
 */
export function exitOnSignals(gateway: Gateway, logger: Logger): void {
  trapShutdownSignals().running(gateway, logger)
}

/**
 * A bug that escapes every handler ends the process (its state is unknown, and an orchestrator
 * restarts it), but first says so as a JSON log line rather than a bare stack on stderr.
 */
export function exitOnFatalErrors(logger: Logger): void {
  const die = (kind: string) => (err: unknown): void => {
    logger.fatal({ err }, kind)
    process.exit(1)
  }
  process.on('uncaughtException', die('uncaught exception'))
  process.on('unhandledRejection', die('unhandled promise rejection'))
}
