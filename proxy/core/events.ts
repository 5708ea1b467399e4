// The core's events, on node:diagnostics_channel so that metrics (and anyone else) subscribe without
// the forwarding loop calling them. Publishers build an event object only when a channel has
// subscribers, so nobody listening costs one property read. Gauges (open connections, in flight,
// bytes in/out totals) are not events: read them from ThriftProxy.stats() at scrape time.
import diagnostics_channel from 'node:diagnostics_channel'
import type { UpstreamCause } from './errors.js'

export const CHANNEL_NAMES = {
  connectionOpen: 'thriftgate:core:connection-open',
  connectionClose: 'thriftgate:core:connection-close',
  request: 'thriftgate:core:request',
  upstreamError: 'thriftgate:core:upstream-error',
  clientError: 'thriftgate:core:client-error',
  drain: 'thriftgate:core:drain',
  handlerError: 'thriftgate:core:handler-error',
} as const

/**
 * How a call ended.
 * - success: REPLY whose result struct carries field 0 (or is empty: a void method)
 * - declared_exception: REPLY carrying an IDL-declared exception (a result field other than 0)
 * - application_exception: the upstream answered with a TApplicationException (message type EXCEPTION)
 * - oneway: forwarded, no reply expected
 * - local: a CallHandler answered it (cache hit, index lookup)
 * - timeout: no reply within the request timeout; the client got INTERNAL_ERROR
 * - upstream_error: the upstream connection failed (or was failing fast); the client got INTERNAL_ERROR
 * - client_gone: the client disconnected before the reply came
 */
export type RequestOutcome =
  | 'success'
  | 'declared_exception'
  | 'application_exception'
  | 'oneway'
  | 'local'
  | 'timeout'
  | 'upstream_error'
  | 'client_gone'

export interface ConnectionOpenEvent {
  readonly connectionId: number
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
}

export interface ConnectionCloseEvent {
  readonly connectionId: number
  /** 'client' (client closed), 'protocol_error', 'idle', 'drain', 'destroy', 'rejected'. */
  readonly reason: string
  readonly durationMs: number
}

export interface RequestEvent {
  readonly connectionId: number
  /** Multiplexed service name, or undefined. */
  readonly service: string | undefined
  readonly method: string
  readonly outcome: RequestOutcome
  /** From the call's last byte read to the reply handed to the client socket. 0 for oneway. */
  readonly durationMs: number
  readonly requestBytes: number
  readonly replyBytes: number
}

export interface UpstreamErrorEvent {
  /** The client connection whose upstream failed, or -1 for the proxy's own pool. */
  readonly connectionId: number
  readonly upstream: string
  readonly cause: UpstreamCause | 'timeout'
  /** Calls that got INTERNAL_ERROR because of it. */
  readonly affectedCalls: number
}

export interface ClientErrorEvent {
  readonly connectionId: number
  /** TG_ERR_... code (codec or core). */
  readonly code: string
  readonly message: string
}

export interface DrainEvent {
  readonly phase: 'start' | 'done'
  readonly openConnections: number
  readonly inFlight: number
  /** On 'done': whether the deadline forced the remaining connections closed. */
  readonly deadlineHit: boolean
}

export interface HandlerErrorEvent {
  readonly connectionId: number
  readonly stage: 'onCall' | 'onReply' | 'onFailure' | 'onSettled'
  /** The call's name as on the wire. */
  readonly name: string
  readonly error: unknown
}

function channel<T>(name: string): TypedChannel<T> {
  return diagnostics_channel.channel(name) as unknown as TypedChannel<T>
}

/** A diagnostics channel whose messages are of one type. */
export interface TypedChannel<T> {
  readonly name: string | symbol
  readonly hasSubscribers: boolean
  publish(message: T): void
  subscribe(onMessage: (message: unknown, name: string | symbol) => void): void
  unsubscribe(onMessage: (message: unknown, name: string | symbol) => void): boolean
}

export const channels = {
  connectionOpen: channel<ConnectionOpenEvent>(CHANNEL_NAMES.connectionOpen),
  connectionClose: channel<ConnectionCloseEvent>(CHANNEL_NAMES.connectionClose),
  request: channel<RequestEvent>(CHANNEL_NAMES.request),
  upstreamError: channel<UpstreamErrorEvent>(CHANNEL_NAMES.upstreamError),
  clientError: channel<ClientErrorEvent>(CHANNEL_NAMES.clientError),
  drain: channel<DrainEvent>(CHANNEL_NAMES.drain),
  handlerError: channel<HandlerErrorEvent>(CHANNEL_NAMES.handlerError),
} as const

export interface CoreEvents {
  connectionOpen: ConnectionOpenEvent
  connectionClose: ConnectionCloseEvent
  request: RequestEvent
  upstreamError: UpstreamErrorEvent
  clientError: ClientErrorEvent
  drain: DrainEvent
  handlerError: HandlerErrorEvent
}

/**
 * Subscribe to one core event with a typed listener; returns the unsubscribe function.
 * Events from every ThriftProxy in the process arrive here (diagnostics channels are process-wide).
 */
export function subscribe<K extends keyof CoreEvents>(kind: K, listener: (event: CoreEvents[K]) => void): () => void {
  const ch = channels[kind] as TypedChannel<CoreEvents[K]>
  const fn = (m: unknown): void => listener(m as CoreEvents[K])
  ch.subscribe(fn)
  return () => {
    ch.unsubscribe(fn)
  }
}
