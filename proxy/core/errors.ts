// Typed errors of the proxy core. Each has a stable string `code` (listed in docs/connection-model.md)
// and `cause` when it wraps a socket error. Clients never see these objects: they get a Thrift
// TApplicationException whose message is the error's message.
import { ThriftgateError } from '../errors/index.js'

export const ProxyErrorCode = {
  /** The upstream refused the connection (nothing listening). */
  UPSTREAM_REFUSED: 'TG_ERR_UPSTREAM_REFUSED',
  /** The upstream reset the connection (ECONNRESET / EPIPE). */
  UPSTREAM_RESET: 'TG_ERR_UPSTREAM_RESET',
  /** Connecting to the upstream took longer than connectTimeoutMs. */
  UPSTREAM_CONNECT_TIMEOUT: 'TG_ERR_UPSTREAM_CONNECT_TIMEOUT',
  /** The upstream closed the connection while calls were waiting for replies. */
  UPSTREAM_CLOSED: 'TG_ERR_UPSTREAM_CLOSED',
  /** The upstream sent bytes that are not a Thrift reply in the connection's dialect. */
  UPSTREAM_GARBAGE: 'TG_ERR_UPSTREAM_GARBAGE',
  /** Any other connect failure (unreachable host, DNS failure). */
  UPSTREAM_UNREACHABLE: 'TG_ERR_UPSTREAM_UNREACHABLE',
  /** A recent connect failure: calls fail fast until the reconnect backoff passes. */
  UPSTREAM_BACKOFF: 'TG_ERR_UPSTREAM_BACKOFF',
  /** A call got no reply within its request timeout (the late reply, if any, is dropped). */
  UPSTREAM_TIMEOUT: 'TG_ERR_UPSTREAM_TIMEOUT',
  /** The listener already has maxConnections client connections open. */
  TOO_MANY_CONNECTIONS: 'TG_ERR_TOO_MANY_CONNECTIONS',
  /** The proxy's own pool has maxQueue calls waiting. */
  POOL_FULL: 'TG_ERR_POOL_FULL',
  /** The proxy is closing (drain deadline passed, or the pool was closed). */
  CLOSING: 'TG_ERR_CLOSING',
  /** The client sent a message type a client may not send (REPLY or EXCEPTION). */
  BAD_MESSAGE_TYPE: 'TG_ERR_BAD_MESSAGE_TYPE',
  /** A client message was not complete within limits.messageTimeout of its first byte (slowloris). */
  MESSAGE_TIMEOUT: 'TG_ERR_MESSAGE_TIMEOUT',
  /** A client left more than limits.maxBufferedBytes of replies unread for limits.slowClientTimeout. */
  SLOW_CLIENT: 'TG_ERR_SLOW_CLIENT',
  /** A CallHandler threw or rejected. */
  HANDLER_FAILED: 'TG_ERR_HANDLER_FAILED',
} as const
export type ProxyErrorCode = (typeof ProxyErrorCode)[keyof typeof ProxyErrorCode]

export class ProxyError extends ThriftgateError<ProxyErrorCode> {
  override readonly name: string = 'ProxyError'
}

/** Why an upstream connection failed, as events and error messages name it. */
export type UpstreamCause = 'refused' | 'reset' | 'connect_timeout' | 'closed' | 'garbage' | 'unreachable' | 'backoff'

const codeOfCause: Record<UpstreamCause, ProxyErrorCode> = {
  refused: ProxyErrorCode.UPSTREAM_REFUSED,
  reset: ProxyErrorCode.UPSTREAM_RESET,
  connect_timeout: ProxyErrorCode.UPSTREAM_CONNECT_TIMEOUT,
  closed: ProxyErrorCode.UPSTREAM_CLOSED,
  garbage: ProxyErrorCode.UPSTREAM_GARBAGE,
  unreachable: ProxyErrorCode.UPSTREAM_UNREACHABLE,
  backoff: ProxyErrorCode.UPSTREAM_BACKOFF,
}

const wordsOfCause: Record<UpstreamCause, string> = {
  refused: 'connection refused',
  reset: 'connection reset',
  connect_timeout: 'connect timed out',
  closed: 'connection closed by upstream',
  garbage: 'upstream sent garbage',
  unreachable: 'unreachable',
  backoff: 'unavailable after a recent connect failure',
}

export class UpstreamError extends ProxyError {
  readonly upstreamCause: UpstreamCause

  constructor(upstream: string, cause: UpstreamCause, detail?: string, options?: { cause?: unknown }) {
    super(codeOfCause[cause], `upstream ${upstream}: ${describeCause(cause, detail)}`, options)
    this.upstreamCause = cause
  }
}

/** "connection refused (ECONNREFUSED)": the cause in words, as messages and the backoff name it. */
export function describeCause(cause: UpstreamCause, detail?: string): string {
  return `${wordsOfCause[cause]}${detail ? ` (${detail})` : ''}`
}

/** Classify a socket error from connecting to or talking with the upstream. */
export function causeOfSocketError(err: NodeJS.ErrnoException, connected: boolean): UpstreamCause {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused'
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'reset'
    case 'ETIMEDOUT':
      return connected ? 'reset' : 'connect_timeout'
    default:
      return connected ? 'reset' : 'unreachable'
  }
}
