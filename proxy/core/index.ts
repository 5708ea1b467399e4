// The proxy core: sockets, forwarding, in-flight tracking, timeouts, backpressure, drain, the proxy's
// own upstream pool and its events. Other folders import from here only.
export { ThriftProxy, type ProxyStats } from './proxy.js'
export {
  DEFAULT_LIMITS,
  DEFAULTS,
  resolveOptions,
  timeoutFor,
  type BackoffOptions,
  type PoolOptions,
  type ProxyLimits,
  type ProxyOptions,
  type ResolvedOptions,
} from './options.js'
export type { CallContext, CallEnd, CallHandler } from './handlers.js'
export { ProxyError, ProxyErrorCode, UpstreamError, describeCause, type UpstreamCause } from './errors.js'
export {
  CHANNEL_NAMES,
  channels,
  subscribe,
  type ClientErrorEvent,
  type ConnectionCloseEvent,
  type ConnectionOpenEvent,
  type CoreEvents,
  type DrainEvent,
  type HandlerErrorEvent,
  type RequestEvent,
  type RequestOutcome,
  type UpstreamErrorEvent,
} from './events.js'
export { UpstreamPool, type EncodedCall, type PoolRequest, type UpstreamPoolOptions } from './upstream-pool.js'
export { Backoff } from './backoff.js'
export { replyOutcome } from './reply-kind.js'
