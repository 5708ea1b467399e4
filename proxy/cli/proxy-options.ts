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

export function toProxyOptions(config: Config): ProxyOptions {
  const timeouts = byMethod(config, (s) => s.timeoutsMs)
  const oneway = byMethod(config, (s) => [...s.oneway].map((m): [string, true] => [m, true]))
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
    },
    connectTimeoutMs: config.timeouts.connectMs,
    requestTimeoutMs: config.timeouts.requestMs,
    methodTimeoutsMs: Object.fromEntries(timeouts),
    onewayMethods: [...oneway.keys()],
    drainDeadlineMs: config.drain.deadlineMs,
    pool: { size: config.pool.size },
  }
}
