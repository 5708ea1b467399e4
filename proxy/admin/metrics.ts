// Prometheus metrics. Counters and histograms are fed by SUBSCRIBING to the core's
// diagnostics_channel events (the forwarding loop never calls into here, and publishes nothing
// when no one subscribes); gauges and byte totals are read from the proxy's stats() at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { subscribe, type ProxyStats } from '../core/index.js'

/** Request latency buckets in seconds: a cache hit (~0.1 ms) up to slow upstream calls (30 s). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const SIZE_BUCKETS = [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216]

export interface MetricsOptions {
  /** Read at scrape time; undefined while no proxy is running. */
  readonly stats: () => ProxyStats | undefined
  /** When an IDL is loaded: whether a method is known. Unknown names are counted as "__unknown__". */
  readonly isKnownMethod?: (service: string | undefined, method: string) => boolean
  /** Without an IDL, at most this many distinct service/method labels; more become "__other__". Default 256. */
  readonly maxMethodLabels?: number
  /** Node process metrics (CPU, memory, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean
}

export class ProxyMetrics {
  readonly registry = new Registry()
  private readonly unsubscribers: Array<() => void> = []
  private readonly seenLabels = new Set<string>()

  constructor(private readonly opts: MetricsOptions) {
    const r = this.registry
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: r })
    const requests = new Counter({ name: 'thriftgate_requests_total', help: 'Thrift calls handled, by service, method and outcome.', labelNames: ['service', 'method', 'outcome'], registers: [r] })
    const latency = new Histogram({
      name: 'thriftgate_request_duration_seconds',
      help: 'From a call\'s last byte read to its reply handed to the client socket (oneway calls excluded).',
      labelNames: ['service', 'method'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    })
    const reqSize = new Histogram({ name: 'thriftgate_request_size_bytes', help: 'Size of calls on the wire.', buckets: SIZE_BUCKETS, registers: [r] })
    const replySize = new Histogram({ name: 'thriftgate_reply_size_bytes', help: 'Size of replies on the wire (calls with a reply).', buckets: SIZE_BUCKETS, registers: [r] })
    const upstreamErrors = new Counter({ name: 'thriftgate_upstream_errors_total', help: 'Upstream connection failures and timeouts, by cause.', labelNames: ['cause'], registers: [r] })
    const failedCalls = new Counter({ name: 'thriftgate_upstream_failed_calls_total', help: 'Calls answered INTERNAL_ERROR because of an upstream failure, by cause.', labelNames: ['cause'], registers: [r] })
    const clientErrors = new Counter({ name: 'thriftgate_client_errors_total', help: 'Client connections ended or rejected for a protocol or limit error, by TG_ERR code.', labelNames: ['code'], registers: [r] })
    const handlerErrors = new Counter({ name: 'thriftgate_handler_errors_total', help: 'Cache/index handlers that threw (the call was forwarded or failed safe), by stage.', labelNames: ['stage'], registers: [r] })
    const opened = new Counter({ name: 'thriftgate_connections_opened_total', help: 'Client connections accepted.', registers: [r] })
    const closed = new Counter({ name: 'thriftgate_connections_closed_total', help: 'Client connections closed, by reason.', labelNames: ['reason'], registers: [r] })

    const stats = (): ProxyStats | undefined => this.opts.stats()
    const gauge = (name: string, help: string, read: (s: ProxyStats) => number): void => {
      new Gauge({ name, help, registers: [r], collect() { const s = stats(); this.set(s === undefined ? 0 : read(s)) } })
    }
    const total = (name: string, help: string, read: (s: ProxyStats) => number): void => {
      new Counter({ name, help, registers: [r], collect() { const s = stats(); this.reset(); if (s !== undefined) this.inc(read(s)) } })
    }
    gauge('thriftgate_open_connections', 'Client connections open now.', (s) => s.openConnections)
    gauge('thriftgate_in_flight_requests', 'Calls forwarded and awaiting a reply now.', (s) => s.inFlight)
    gauge('thriftgate_upstream_connections', 'Upstream connections open now (one per client connection, plus the pool).', (s) => s.upstreamConnections)
    gauge('thriftgate_pool_busy_connections', 'Pooled upstream connections with a call in flight (calls the proxy makes itself).', (s) => s.pool.busy)
    gauge('thriftgate_pool_queued_calls', 'Calls waiting for a free pooled upstream connection.', (s) => s.pool.queued)
    gauge('thriftgate_buffered_request_bytes', 'Bytes held for incomplete client messages, all connections (bounded by limits.maxBufferedBytesTotal).', (s) => s.bufferedBytes)
    gauge('thriftgate_limit_waiting_connections', 'Client connections not being read because a global limit (maxInFlightTotal, maxBufferedBytesTotal) is reached.', (s) => s.waitingConnections)
    gauge('thriftgate_draining', '1 while the proxy drains for shutdown.', (s) => (s.draining ? 1 : 0))
    total('thriftgate_received_bytes_total', 'Bytes received from clients.', (s) => s.bytesIn)
    total('thriftgate_sent_bytes_total', 'Bytes sent to clients.', (s) => s.bytesOut)
    total('thriftgate_rejected_connections_total', 'Client connections refused because maxConnections were open.', (s) => s.rejectedConnections)
    total('thriftgate_unmatched_replies_total', 'Upstream replies whose seqid matched no call in flight (dropped).', (s) => s.unmatchedReplies)

    this.unsubscribers.push(
      subscribe('request', (e) => {
        const [service, method] = this.labels(e.service, e.method)
        requests.inc({ service, method, outcome: e.outcome })
        reqSize.observe(e.requestBytes)
        if (e.outcome !== 'oneway') {
          latency.observe({ service, method }, e.durationMs / 1000)
          if (e.replyBytes > 0) replySize.observe(e.replyBytes)
        }
      }),
      subscribe('upstreamError', (e) => {
        upstreamErrors.inc({ cause: e.cause })
        if (e.affectedCalls > 0) failedCalls.inc({ cause: e.cause }, e.affectedCalls)
      }),
      subscribe('clientError', (e) => clientErrors.inc({ code: e.code })),
      subscribe('handlerError', (e) => handlerErrors.inc({ stage: e.stage })),
      subscribe('connectionOpen', () => opened.inc()),
      subscribe('connectionClose', (e) => closed.inc({ reason: e.reason })),
    )
  }

  /** Bounded label values: method names come from clients, so never let them grow without limit. */
  private labels(service: string | undefined, method: string): [string, string] {
    const svc = service ?? ''
    if (this.opts.isKnownMethod !== undefined) return this.opts.isKnownMethod(service, method) ? [svc, method] : ['__unknown__', '__unknown__']
    const key = `${svc}:${method}`
    if (this.seenLabels.has(key)) return [svc, method]
    if (this.seenLabels.size < (this.opts.maxMethodLabels ?? 256)) {
      this.seenLabels.add(key)
      return [svc, method]
    }
    return ['__other__', '__other__']
  }

  /** The text exposition for a scrape. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }

  /** Stops listening to core events (idempotent). */
  close(): void {
    for (const u of this.unsubscribers.splice(0)) u()
  }
}
