// What a ThriftProxy is built from. The config module maps the config file onto this; defaults here
// are the core's own and are chosen to never change the meaning of traffic (no idle closing, no
// limits low enough to reject ordinary clients).
import type { Protocol, Transport } from '../codec/index.js'
import type { CallHandler } from './handlers.js'

export interface ProxyLimits {
  /** Client connections open at once; more are answered INTERNAL_ERROR (TG_ERR_TOO_MANY_CONNECTIONS) and closed. */
  readonly maxConnections: number
  /** Calls awaiting a reply per client connection; at the cap the proxy stops reading that client (backpressure). */
  readonly maxInFlightPerConnection: number
  /** Max bytes of one message, either direction (frame length or unframed message). */
  readonly maxMessageSize: number
  /** Max struct/container nesting the codec will walk. */
  readonly maxDepth: number
  /** Close a client connection with no calls in flight and no traffic for this long. 0 = never. */
  readonly idleTimeoutMs: number
  /** Bytes queued for one socket before the proxy stops reading the other side (at least the socket's high water mark). */
  readonly maxBufferedBytes: number
  /** Calls awaiting a reply across all client connections; at the cap new calls wait (no reading). */
  readonly maxInFlightTotal: number
  /** Bytes held for incomplete client messages across all connections; over it, reading pauses. */
  readonly maxBufferedBytesTotal: number
  /** A client message must be complete this long after its first byte (slowloris). 0 = no deadline. */
  readonly messageTimeoutMs: number
  /** A client whose unread replies stay over maxBufferedBytes this long is closed. 0 = never. */
  readonly slowClientTimeoutMs: number
}

export interface BackoffOptions {
  readonly initialMs: number
  readonly maxMs: number
  readonly factor: number
}

export interface PoolOptions {
  /** Connections per dialect in the proxy's own pool (one call in flight on each). */
  readonly size: number
  /** Calls waiting for a free pooled connection; more are rejected (TG_ERR_POOL_FULL). */
  readonly maxQueue: number
  /**
   * Close a pooled connection idle this long. Servers that serve one connection at a time (Python's
   * TSimpleServer) are starved by an idle connection kept open, so the pool does not hold them long.
   */
  readonly idleMs: number
}

export interface ProxyOptions {
  readonly listen?: { readonly host?: string; readonly port?: number }
  readonly upstream: { readonly host: string; readonly port: number }
  /** Client transport/protocol: detected from the first bytes ('auto') or fixed. */
  readonly transport?: Transport | 'auto'
  readonly protocol?: Protocol | 'auto'
  readonly limits?: Partial<ProxyLimits>
  readonly connectTimeoutMs?: number
  /** Default per-call timeout; 0 = none. */
  readonly requestTimeoutMs?: number
  /** Per-method timeouts keyed "Service:method" (multiplexed) or "method"; the more specific key wins. */
  readonly methodTimeoutsMs?: Readonly<Record<string, number>>
  readonly drainDeadlineMs?: number
  readonly handlers?: readonly CallHandler[]
  /**
   * Methods the IDL declares oneway ("method" or "Service:method"). A CALL to one of them is forwarded
   * without waiting for a reply: old Java clients (< 0.9.3) sent oneway calls as CALL (THRIFT-WIRE-NOTES,
   * "Oneway trap"), and the server never answers them.
   */
  readonly onewayMethods?: Iterable<string>
  readonly backoff?: Partial<BackoffOptions>
  readonly pool?: Partial<PoolOptions>
}

export interface ResolvedOptions {
  readonly host: string
  readonly port: number
  readonly upstreamHost: string
  readonly upstreamPort: number
  /** "host:port", as error messages name the upstream. */
  readonly upstreamName: string
  readonly transport: Transport | 'auto'
  readonly protocol: Protocol | 'auto'
  readonly limits: ProxyLimits
  readonly connectTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly methodTimeoutsMs: ReadonlyMap<string, number>
  readonly drainDeadlineMs: number
  readonly handlers: readonly CallHandler[]
  readonly onewayMethods: ReadonlySet<string>
  readonly backoff: BackoffOptions
  readonly pool: PoolOptions
}

export const DEFAULT_LIMITS: ProxyLimits = {
  maxConnections: 10_000,
  maxInFlightPerConnection: 1_024,
  // Thrift's reference libraries and Envoy default to a 16,384,000-byte frame (THRIFT-WIRE-NOTES, Transports).
  maxMessageSize: 16_384_000,
  // TConfiguration's default recursion depth.
  maxDepth: 64,
  idleTimeoutMs: 0,
  maxBufferedBytes: 256 * 1024,
  maxInFlightTotal: 65_536,
  maxBufferedBytesTotal: 256 * 1024 * 1024,
  messageTimeoutMs: 30_000,
  slowClientTimeoutMs: 30_000,
}

export const DEFAULTS = {
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  drainDeadlineMs: 30_000,
  backoff: { initialMs: 100, maxMs: 5_000, factor: 2 } satisfies BackoffOptions,
  pool: { size: 4, maxQueue: 1_024, idleMs: 2_000 } satisfies PoolOptions,
} as const

export function resolveOptions(o: ProxyOptions): ResolvedOptions {
  const limits = { ...DEFAULT_LIMITS, ...definedOnly(o.limits ?? {}) }
  return {
    host: o.listen?.host ?? '127.0.0.1',
    port: o.listen?.port ?? 0,
    upstreamHost: o.upstream.host,
    upstreamPort: o.upstream.port,
    upstreamName: `${o.upstream.host}:${o.upstream.port}`,
    transport: o.transport ?? 'auto',
    protocol: o.protocol ?? 'auto',
    limits,
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    methodTimeoutsMs: new Map(Object.entries(o.methodTimeoutsMs ?? {})),
    drainDeadlineMs: o.drainDeadlineMs ?? DEFAULTS.drainDeadlineMs,
    handlers: [...(o.handlers ?? [])],
    onewayMethods: new Set(o.onewayMethods ?? []),
    backoff: { ...DEFAULTS.backoff, ...definedOnly(o.backoff ?? {}) },
    pool: { ...DEFAULTS.pool, ...definedOnly(o.pool ?? {}) },
  }
}

/** The timeout for one call: "Service:method" first, then "method", then the default. 0 = none. */
export function timeoutFor(o: ResolvedOptions, name: string, method: string): number {
  if (o.methodTimeoutsMs.size > 0) {
    const exact = o.methodTimeoutsMs.get(name)
    if (exact !== undefined) return exact
    const bare = o.methodTimeoutsMs.get(method)
    if (bare !== undefined) return bare
  }
  return o.requestTimeoutMs
}

/** Whether a CALL must be treated as oneway because the IDL says so. */
export function isDeclaredOneway(o: ResolvedOptions, name: string, method: string): boolean {
  return o.onewayMethods.size > 0 && (o.onewayMethods.has(name) || o.onewayMethods.has(method))
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}
