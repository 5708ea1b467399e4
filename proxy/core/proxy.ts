// The listener: accepts client connections, gives each its own upstream connection, and shuts down
// gracefully (readiness off, stop accepting, let calls in flight finish, then close).
import net from 'node:net'
import type { Dialect } from '../codec/index.js'
import { Backoff } from './backoff.js'
import { ClientConnection } from './client-connection.js'
import type { ConnectionHost, CoreCounters } from './connection-host.js'
import { channels } from './events.js'
import { GlobalBudget } from './global-budget.js'
import { HandlerSet } from './handler-runner.js'
import type { CallHandler } from './handlers.js'
import { resolveOptions, type ProxyOptions, type ResolvedOptions } from './options.js'
import { rejectConnection } from './reject.js'
import { UpstreamPool } from './upstream-pool.js'
import type { UpstreamTarget } from './upstream-connection.js'

/** At most this many over-limit connections are kept open to be told why; more are reset at once. */
const MAX_REJECTING = 64

export interface ProxyStats {
  readonly ready: boolean
  readonly draining: boolean
  readonly openConnections: number
  readonly inFlight: number
  readonly upstreamConnections: number
  readonly bytesIn: number
  readonly bytesOut: number
  readonly unmatchedReplies: number
  readonly rejectedConnections: number
  /** Bytes held for incomplete client messages, all connections. */
  readonly bufferedBytes: number
  /** Connections waiting for room under the global limits. */
  readonly waitingConnections: number
  readonly pool: { readonly connections: number; readonly busy: number; readonly queued: number }
}

export class ThriftProxy implements ConnectionHost {
  readonly options: ResolvedOptions
  readonly target: UpstreamTarget
  readonly handlers: HandlerSet
  readonly counters: CoreCounters = { inFlight: 0, bytesIn: 0, bytesOut: 0, upstreamConnections: 0, unmatchedReplies: 0 }
  /** The proxy's own calls to the upstream (cache refresh, index resolution). */
  readonly pool: UpstreamPool
  readonly budget: GlobalBudget
  private readonly server: net.Server
  private readonly connections = new Set<ClientConnection>()
  private nextId = 1
  private rejecting = 0
  private rejectedTotal = 0
  private state: 'new' | 'listening' | 'draining' | 'closed' = 'new'
  private closing: Promise<void> | undefined
  private seenDialect: Dialect | undefined

  constructor(options: ProxyOptions) {
    const o = resolveOptions(options)
    this.options = o
    this.handlers = new HandlerSet(o.handlers)
    this.budget = new GlobalBudget(o.limits, () => this.counters.inFlight)
    this.target = {
      host: o.upstreamHost,
      port: o.upstreamPort,
      name: o.upstreamName,
      connectTimeoutMs: o.connectTimeoutMs,
      maxMessageSize: o.limits.maxMessageSize,
      maxDepth: o.limits.maxDepth,
      maxBufferedBytes: o.limits.maxBufferedBytes,
      backoff: new Backoff(o.backoff),
    }
    this.pool = new UpstreamPool({
      target: this.target,
      size: o.pool.size,
      maxQueue: o.pool.maxQueue,
      idleMs: o.pool.idleMs,
      requestTimeoutMs: o.requestTimeoutMs,
    })
    // No half-open client connections: a Thrift client's FIN means it is gone (no Thrift client shuts
    // down only its sending side and waits for replies), so its upstream is released at once.
    this.server = net.createServer({ allowHalfOpen: false, noDelay: true }, (s) => this.accept(s))
  }

  /** Adds a CallHandler (cache, index); applies to calls that arrive from now on. */
  use(handler: CallHandler): void {
    this.handlers.add(handler)
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.state !== 'new') throw new Error('ThriftProxy.start() may be called once')
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.state = 'listening'
    const a = this.server.address() as net.AddressInfo
    return { host: a.address, port: a.port }
  }

  /** Readiness: true while listening and not draining (what /readyz reports). */
  get ready(): boolean {
    return this.state === 'listening'
  }

  /** The dialect clients speak (configured, or the first one seen): what the proxy's own calls should use. */
  get upstreamDialect(): Dialect | undefined {
    return this.seenDialect
  }

  /**
   * Graceful shutdown, idempotent: readiness fails at once, the listener stops accepting, calls in
   * flight finish (calls that arrive on open connections meanwhile are served too); each connection
   * closes when it has nothing in flight. At the deadline whatever is still waiting gets
   * INTERNAL_ERROR and every connection closes.
   */
  close(deadlineMs: number = this.options.drainDeadlineMs): Promise<void> {
    if (this.closing !== undefined) return this.closing
    const wasListening = this.state === 'listening'
    this.state = 'draining'
    this.closing = this.drain(deadlineMs, wasListening)
    return this.closing
  }

  /** Closes everything now: in-flight calls get no answer (their clients see the connection close). */
  destroy(): void {
    this.state = 'closed'
    this.server.close()
    for (const c of this.connections) c.destroy()
    this.pool.close()
  }

  stats(): ProxyStats {
    return {
      ready: this.ready,
      draining: this.state === 'draining',
      openConnections: this.connections.size,
      inFlight: this.counters.inFlight,
      upstreamConnections: this.counters.upstreamConnections,
      bytesIn: this.counters.bytesIn,
      bytesOut: this.counters.bytesOut,
      unmatchedReplies: this.counters.unmatchedReplies,
      rejectedConnections: this.rejectedTotal,
      bufferedBytes: this.budget.buffered,
      waitingConnections: this.budget.waiting,
      pool: this.pool.stats(),
    }
  }

  /** @internal ConnectionHost */
  connectionClosed(c: ClientConnection): void {
    this.connections.delete(c)
    if (this.connections.size === 0) this.onEmpty?.()
  }

  /** @internal ConnectionHost */
  dialectSeen(d: Dialect): void {
    this.seenDialect ??= d
  }

  private onEmpty: (() => void) | undefined

  private accept(socket: net.Socket): void {
    if (this.state !== 'listening') return void socket.destroy()
    if (this.connections.size >= this.options.limits.maxConnections) {
      this.rejectedTotal++
      if (channels.clientError.hasSubscribers) {
        channels.clientError.publish({ connectionId: 0, code: 'TG_ERR_TOO_MANY_CONNECTIONS', message: `over ${this.options.limits.maxConnections} connections` })
      }
      if (this.rejecting >= MAX_REJECTING) return void socket.destroy()
      this.rejecting++
      return rejectConnection(socket, this.options, () => this.rejecting--)
    }
    const c = new ClientConnection(this.nextId++, socket, this)
    this.connections.add(c)
  }

  private async drain(deadlineMs: number, wasListening: boolean): Promise<void> {
    const startStats = this.stats()
    if (channels.drain.hasSubscribers) {
      channels.drain.publish({ phase: 'start', openConnections: startStats.openConnections, inFlight: startStats.inFlight, deadlineHit: false })
    }
    const listenerClosed = wasListening ? new Promise<void>((r) => this.server.close(() => r())) : Promise.resolve()
    const empty = new Promise<void>((r) => {
      this.onEmpty = r
      if (this.connections.size === 0) r()
    })
    for (const c of [...this.connections]) c.beginDrain()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<'deadline'>((r) => {
      timer = setTimeout(() => r('deadline'), deadlineMs)
    })
    const hit = (await Promise.race([empty.then(() => 'empty' as const), deadline])) === 'deadline'
    clearTimeout(timer)
    if (hit) {
      for (const c of [...this.connections]) c.forceClose('drain deadline passed')
      // forceClose flushes its answers and ends each socket; a client that never reads is cut off.
      const grace = setTimeout(() => {
        for (const c of this.connections) c.destroy()
      }, 1_000)
      await empty
      clearTimeout(grace)
    }
    this.pool.close()
    await listenerClosed
    this.state = 'closed'
    if (channels.drain.hasSubscribers) {
      channels.drain.publish({ phase: 'done', openConnections: this.connections.size, inFlight: 0, deadlineHit: hit })
    }
  }
}
