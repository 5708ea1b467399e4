// What a client connection needs from the proxy that owns it, and the totals they share.
import type { Dialect } from '../codec/index.js'
import type { GlobalBudget } from './global-budget.js'
import type { HandlerSet } from './handler-runner.js'
import type { ResolvedOptions } from './options.js'
import type { UpstreamTarget } from './upstream-connection.js'

/** Totals and gauges shared by all connections of one proxy (read by stats() at scrape time). */
export interface CoreCounters {
  inFlight: number
  bytesIn: number
  bytesOut: number
  upstreamConnections: number
  unmatchedReplies: number
}

export interface ConnectionHost {
  readonly options: ResolvedOptions
  readonly target: UpstreamTarget
  readonly counters: CoreCounters
  readonly handlers: HandlerSet
  /** Limits shared by all connections (total in flight, total bytes of incomplete messages). */
  readonly budget: GlobalBudget
  connectionClosed(c: { readonly id: number }): void
  dialectSeen(d: Dialect): void
}
