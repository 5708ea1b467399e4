// Maps the normalised config onto the core's ProxyOptions.
import type { Config } from '../config/index.js'
import type { ProxyOptions } from '../core/index.js'

/**
 * Per-method settings are keyed "Service:method" (multiplexed calls) and also "method" (plain
 * calls carry no service name), unless two services disagree about the same bare method name.
 */
function byMethod<T>(config: Config, pick: (svc: Config['services'] extends ReadonlyMap<string, infer S> ? S : never) => Iterable<[string, T]>): Map<string, T> {
  const out = new Map<string, T>()
  const bare = new Map<string, T | typeof CONFLICT>()
  for (const svc of config.services.values()) {
    for (const [method, value] of pick(svc)) {
      out.set(`${svc.name}:${method}`, value)
      const prev = bare.get(method)
      bare.set(method, prev === undefined || prev === value ? value : CONFLICT)
    }
  }
  for (const [method, value] of bare) if (value !== CONFLICT) out.set(method, value)
  return out
}
const CONFLICT = Symbol('conflict')

/**
 * Oneway methods: every IDL service's (whether or not the config lists the service) plus the
 * config's `oneway` lists. A bare name counts only when no service has a non-oneway method of that name.
 */
function onewayMethods(config: Config): string[] {
  const bare = new Map<string, boolean>()
  const out = new Set<string>()
  const note = (service: string, method: string, oneway: boolean): void => {
    if (oneway) out.add(`${service}:${method}`)
    bare.set(method, (bare.get(method) ?? true) && oneway)
  }
  for (const svc of config.idl.model?.services.values() ?? []) for (const m of svc.methods.values()) note(svc.name, m.name, m.oneway)
  for (const svc of config.services.values()) for (const m of svc.oneway) note(svc.name, m, true)
  for (const [method, oneway] of bare) if (oneway) out.add(method)
  return [...out]
}

export function toProxyOptions(config: Config): ProxyOptions {
  const timeouts = byMethod(config, (s) => s.timeoutsMs)
  const oneway = onewayMethods(config)
  return {
    listen: { host: config.listen.host, port: config.listen.port },
    upstream: { host: config.upstream.host, port: config.upstream.port },
    transport: config.transport,
    protocol: config.protocol,
    limits: {
      maxConnections: config.limits.maxConnections,
      maxInFlightPerConnection: config.limits.maxInFlightPerConnection,
      maxMessageSize: config.limits.maxFrameSize,
      maxDepth: config.limits.maxDepth,
      idleTimeoutMs: config.limits.idleTimeoutMs,
      maxBufferedBytes: config.limits.maxBufferedBytes,
      maxInFlightTotal: config.limits.maxInFlightTotal,
      maxBufferedBytesTotal: config.limits.maxBufferedBytesTotal,
      messageTimeoutMs: config.limits.messageTimeoutMs,
      slowClientTimeoutMs: config.limits.slowClientTimeoutMs,
    },
    connectTimeoutMs: config.timeouts.connectMs,
    requestTimeoutMs: config.timeouts.requestMs,
    methodTimeoutsMs: Object.fromEntries(timeouts),
    onewayMethods: oneway,
    drainDeadlineMs: config.drain.deadlineMs,
    pool: { size: config.pool.size, maxQueue: config.pool.maxQueue, idleMs: config.pool.idleMs },
  }
}
