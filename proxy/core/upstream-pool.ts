// The proxy's own connections to the upstream, for calls it originates (cache refresh, index
// resolution). Kept apart from client connections so that a client's upstream connection carries
// exactly that client's calls. One call in flight per connection, with the seqid rewritten to the
// connection's own counter: replies then match trivially, and servers that handle one call per
// connection at a time (THRIFT-WIRE-NOTES, "How real servers treat one connection") are never
// pipelined into. A timed-out connection is closed rather than reused, so a late reply can never be
// taken for the answer to the next call.
import {
  encodeMessage,
  MessageType,
  rewriteSeqid,
  type Dialect,
  type HeaderInfo,
  type Message,
  type Protocol,
} from '../codec/index.js'
import { ProxyError, ProxyErrorCode, UpstreamError } from './errors.js'
import { channels } from './events.js'
import { UpstreamConnection, type UpstreamListener, type UpstreamTarget } from './upstream-connection.js'

/** A call the proxy builds itself: envelope fields plus an already encoded args struct. */
export interface EncodedCall {
  readonly dialect: Dialect
  readonly header?: HeaderInfo
  /** As on the wire: "Service:method" for a multiplexed upstream. */
  readonly name: string
  readonly body: Buffer
  /** The protocol `body` is encoded in, when it differs from dialect.protocol. */
  readonly bodyProtocol?: Protocol
}

/** Either a client's CALL to send again (its envelope is rewritten, its body reused) or an EncodedCall. */
export type PoolRequest = Message | EncodedCall

export interface UpstreamPoolOptions {
  readonly target: UpstreamTarget
  /** Connections per dialect. */
  readonly size: number
  readonly maxQueue: number
  /** Default timeout per call; 0 = none. */
  readonly requestTimeoutMs: number
  /** Close a connection idle this long (default 2 s; see PoolOptions.idleMs). */
  readonly idleMs?: number
}

interface Job {
  readonly request: PoolRequest
  readonly timeoutMs: number
  resolve(m: Message): void
  reject(e: Error): void
}

/** Connections of one dialect: a pooled upstream speaks whatever the clients speak. */
interface Lane {
  readonly idle: PooledConnection[]
  readonly all: Set<PooledConnection>
  readonly queue: Job[]
}

class PooledConnection implements UpstreamListener {
  readonly up: UpstreamConnection
  seqid = 0
  job: Job | undefined
  timer: NodeJS.Timeout | undefined
  idleTimer: NodeJS.Timeout | undefined

  constructor(
    target: UpstreamTarget,
    private readonly pool: UpstreamPool,
    readonly lane: Lane,
  ) {
    this.up = new UpstreamConnection(target, this)
  }

  onUpstreamReply(reply: Message): void {
    this.pool.replied(this, reply)
  }

  onUpstreamFailure(err: UpstreamError): void {
    this.pool.failed(this, err)
  }

  onUpstreamDrain(): void {}
}

export class UpstreamPool {
  private readonly lanes = new Map<string, Lane>()
  private closed = false

  constructor(private readonly opts: UpstreamPoolOptions) {}

  /**
   * Sends one CALL and resolves with the upstream's reply (REPLY or EXCEPTION; the caller decides
   * what it means). Its seqid is the pool's, not the request's: answer a client with `replyFor`.
   * Rejects with UpstreamError (refused, reset, ..., backoff), ProxyError TG_ERR_UPSTREAM_TIMEOUT,
   * TG_ERR_POOL_FULL or TG_ERR_CLOSING. Never retried: the caller knows whether the call is safe to repeat.
   */
  call(request: PoolRequest, options?: { timeoutMs?: number }): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      if (this.closed) return reject(new ProxyError(ProxyErrorCode.CLOSING, 'thriftgate: upstream pool is closed'))
      const job: Job = { request, timeoutMs: options?.timeoutMs ?? this.opts.requestTimeoutMs, resolve, reject }
      const lane = this.laneFor(request.dialect)
      const idle = lane.idle.pop()
      if (idle !== undefined) {
        clearTimeout(idle.idleTimer)
        return this.run(idle, job)
      }
      if (lane.all.size < this.opts.size) {
        const c = this.open(lane)
        return c === undefined ? reject(this.backoffError()) : this.run(c, job)
      }
      if (lane.queue.length >= this.opts.maxQueue) {
        return reject(new ProxyError(ProxyErrorCode.POOL_FULL, `thriftgate: upstream pool queue is full (${this.opts.maxQueue} calls waiting)`))
      }
      lane.queue.push(job)
    })
  }

  /** Rejects everything waiting or in flight with TG_ERR_CLOSING and closes every connection. */
  close(): void {
    if (this.closed) return
    this.closed = true
    const err = new ProxyError(ProxyErrorCode.CLOSING, 'thriftgate: upstream pool is closed')
    for (const lane of this.lanes.values()) {
      for (const j of lane.queue.splice(0)) j.reject(err)
      for (const c of lane.all) {
        clearTimeout(c.timer)
        clearTimeout(c.idleTimer)
        c.job?.reject(err)
        c.job = undefined
        c.up.close()
      }
      lane.all.clear()
      lane.idle.length = 0
    }
  }

  stats(): { connections: number; busy: number; queued: number } {
    let connections = 0
    let idle = 0
    let queued = 0
    for (const l of this.lanes.values()) {
      connections += l.all.size
      idle += l.idle.length
      queued += l.queue.length
    }
    return { connections, busy: connections - idle, queued }
  }

  /** @internal */
  replied(c: PooledConnection, reply: Message): void {
    const job = c.job
    if (job === undefined || reply.seqid !== c.seqid) {
      // Nothing asked, or an answer to something else: this connection's stream cannot be trusted.
      return this.failed(c, new UpstreamError(this.opts.target.name, 'garbage', `unexpected reply seqid ${reply.seqid}`), true)
    }
    clearTimeout(c.timer)
    c.job = undefined
    job.resolve(reply)
    this.next(c)
  }

  /** @internal */
  failed(c: PooledConnection, err: Error, closeIt = false): void {
    clearTimeout(c.timer)
    clearTimeout(c.idleTimer)
    if (closeIt) c.up.close()
    c.lane.all.delete(c)
    const i = c.lane.idle.indexOf(c)
    if (i >= 0) c.lane.idle.splice(i, 1)
    const job = c.job
    c.job = undefined
    // An upstream closing an idle pooled connection (its idle timeout) is not an error.
    if (channels.upstreamError.hasSubscribers && err instanceof UpstreamError && (job !== undefined || err.upstreamCause !== 'closed')) {
      channels.upstreamError.publish({ connectionId: -1, upstream: this.opts.target.name, cause: err.upstreamCause, affectedCalls: job ? 1 : 0 })
    }
    job?.reject(err)
    // Waiting calls get a fresh connection, or fail fast while the upstream is backing off.
    const lane = c.lane
    while (lane.queue.length > 0 && lane.all.size < this.opts.size && !this.closed) {
      const fresh = this.open(lane)
      if (fresh === undefined) {
        const e = this.backoffError()
        for (const j of lane.queue.splice(0)) j.reject(e)
        return
      }
      this.run(fresh, lane.queue.shift() as Job)
    }
  }

  private run(c: PooledConnection, job: Job): void {
    c.job = job
    c.seqid = (c.seqid + 1) & 0x7fffffff
    const r = job.request
    const pieces = isMessage(r)
      ? rewriteSeqid(r, c.seqid)
      : encodeMessage(r.dialect, r.header, { name: r.name, type: MessageType.CALL, seqid: c.seqid }, r.body, r.bodyProtocol)
    c.up.useDialect(r.dialect)
    c.up.writePieces(pieces)
    if (job.timeoutMs > 0) c.timer = setTimeout(this.onTimeout, job.timeoutMs, c)
  }

  private readonly onTimeout = (c: PooledConnection): void => {
    const job = c.job
    if (job === undefined) return
    const err = new ProxyError(ProxyErrorCode.UPSTREAM_TIMEOUT, `upstream ${this.opts.target.name}: ${job.request.name} timed out after ${job.timeoutMs}ms`)
    if (channels.upstreamError.hasSubscribers) {
      channels.upstreamError.publish({ connectionId: -1, upstream: this.opts.target.name, cause: 'timeout', affectedCalls: 1 })
    }
    c.job = undefined
    job.reject(err)
    this.failed(c, err, true)
  }

  private next(c: PooledConnection): void {
    const job = c.lane.queue.shift()
    if (job !== undefined) return this.run(c, job)
    c.lane.idle.push(c)
    c.idleTimer = setTimeout(this.closeIdle, this.opts.idleMs ?? 2_000, c)
    c.idleTimer.unref()
  }

  private readonly closeIdle = (c: PooledConnection): void => {
    const i = c.lane.idle.indexOf(c)
    if (i < 0) return
    c.lane.idle.splice(i, 1)
    c.lane.all.delete(c)
    c.up.close()
  }

  private open(lane: Lane): PooledConnection | undefined {
    if (this.opts.target.backoff.blockedForMs() > 0) return undefined
    const c = new PooledConnection(this.opts.target, this, lane)
    lane.all.add(c)
    return c
  }

  private laneFor(d: Dialect): Lane {
    const key = `${d.transport}/${d.protocol}/${d.strict ? 's' : 'n'}`
    let lane = this.lanes.get(key)
    if (lane === undefined) {
      lane = { idle: [], all: new Set(), queue: [] }
      this.lanes.set(key, lane)
    }
    return lane
  }

  private backoffError(): UpstreamError {
    const b = this.opts.target.backoff
    return new UpstreamError(this.opts.target.name, 'backoff', `${b.cause}; next attempt in ${b.blockedForMs()}ms`)
  }
}

function isMessage(r: PoolRequest): r is Message {
  return 'raw' in r
}
