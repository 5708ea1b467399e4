// One TCP connection to the upstream, with its own splitter for the replies. Classifies every way it
// can fail (refused, reset, connect timeout, closed, garbage) into one UpstreamError, reported once.
import net from 'node:net'
import { CodecError, MessageSplitter, type Dialect, type Message } from '../codec/index.js'
import type { Backoff } from './backoff.js'
import { WriteRun } from './write-run.js'
import { causeOfSocketError, describeCause, UpstreamError, type UpstreamCause } from './errors.js'

export interface UpstreamTarget {
  readonly host: string
  readonly port: number
  /** "host:port" for messages. */
  readonly name: string
  readonly connectTimeoutMs: number
  readonly maxMessageSize: number
  readonly maxDepth: number
  readonly maxBufferedBytes: number
  readonly backoff: Backoff
}

export interface UpstreamListener {
  onUpstreamReply(reply: Message): void
  /** Called once, when the connection fails or the upstream closes it (not after close()). */
  onUpstreamFailure(err: UpstreamError): void
  /** The write buffer emptied after write() returned false. */
  onUpstreamDrain(): void
  /**
   * Around the replies of one received chunk: the listener corks its client socket so that several
   * replies leave in one writev instead of one syscall each.
   */
  onUpstreamBatch?(start: boolean): void
}

export class UpstreamConnection {
  private readonly socket: net.Socket
  private splitter: MessageSplitter | undefined
  private dialect: Dialect | undefined
  private connectTimer: NodeJS.Timeout | undefined
  private connected = false
  private done = false
  private readonly highWater: number
  private readonly run: WriteRun
  private batching = false
  /** Bytes received, for the proxy's totals. */
  bytesIn = 0

  constructor(
    private readonly target: UpstreamTarget,
    private readonly listener: UpstreamListener,
  ) {
    const s = net.connect({ host: target.host, port: target.port, noDelay: true })
    this.socket = s
    this.highWater = Math.max(target.maxBufferedBytes, s.writableHighWaterMark)
    this.run = new WriteRun(s)
    if (target.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(() => this.fail('connect_timeout', `${target.connectTimeoutMs}ms`), target.connectTimeoutMs)
    }
    s.on('connect', () => {
      this.connected = true
      clearTimeout(this.connectTimer)
      target.backoff.succeeded()
    })
    s.on('data', (chunk: Buffer) => this.onData(chunk))
    s.on('drain', () => listener.onUpstreamDrain())
    s.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(causeOfSocketError(err, this.connected), err.code ?? err.message, err),
    )
    // The upstream closed its side: no more replies can come (Thrift has no half-closed exchanges).
    s.on('end', () => this.fail('closed'))
    s.on('close', () => this.fail('closed'))
  }

  /** Still usable: not failed and not closed by us. */
  get alive(): boolean {
    return !this.done
  }

  get isConnected(): boolean {
    return this.connected
  }

  /** The dialect replies will come in (the client's); set with the first call forwarded. */
  useDialect(d: Dialect): void {
    if (this.dialect === undefined) this.dialect = d
  }

  /**
   * Writes a whole message (zero copy). false = buffered past maxBufferedBytes: wait for
   * onUpstreamDrain. Inside cork()/uncork() the write is gathered and uncork() answers instead.
   */
  write(raw: Buffer): boolean {
    if (this.batching) {
      this.run.add(raw)
      return true
    }
    this.socket.write(raw)
    return this.socket.writableLength < this.highWater
  }

  writePieces(pieces: readonly Buffer[]): boolean {
    this.run.flush()
    const s = this.socket
    if (pieces.length === 1) {
      s.write(pieces[0] as Buffer)
    } else {
      s.cork()
      for (const p of pieces) s.write(p)
      s.uncork()
    }
    return s.writableLength < this.highWater
  }

  /** Gathers the writes of one client chunk (see WriteRun); uncork() sends them. */
  cork(): void {
    this.batching = true
    this.run.begin()
  }

  /** false = buffered past maxBufferedBytes: wait for onUpstreamDrain. */
  uncork(): boolean {
    this.batching = false
    this.run.end()
    return this.socket.writableLength < this.highWater
  }

  pauseReading(): void {
    this.socket.pause()
  }

  resumeReading(): void {
    this.socket.resume()
  }

  /** Closes without reporting a failure (the owner is done with it). */
  close(): void {
    if (this.done) return
    this.done = true
    clearTimeout(this.connectTimer)
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    if (this.done) return
    this.bytesIn += chunk.length
    let sp = this.splitter
    if (sp === undefined) {
      const d = this.dialect
      // Bytes before any call was sent cannot be a reply.
      if (d === undefined) return this.fail('garbage', 'data before any call')
      sp = new MessageSplitter({
        transport: d.transport,
        protocol: d.protocol,
        limits: { maxMessageSize: this.target.maxMessageSize, maxDepth: this.target.maxDepth },
      })
      this.splitter = sp
    }
    const l = this.listener
    l.onUpstreamBatch?.(true)
    try {
      sp.push(chunk, this.onReply)
    } catch (err) {
      if (err instanceof CodecError) this.fail('garbage', `${err.code}: ${err.message}`, err)
      else this.fail('garbage', err instanceof Error ? err.message : String(err), err)
    } finally {
      l.onUpstreamBatch?.(false)
    }
  }

  private readonly onReply = (m: Message): void => {
    if (!this.done) this.listener.onUpstreamReply(m)
  }

  private fail(cause: UpstreamCause, detail?: string, err?: unknown): void {
    if (this.done) return
    this.done = true
    clearTimeout(this.connectTimer)
    if (!this.connected && cause !== 'garbage') {
      this.target.backoff.failed(describeCause(cause, detail))
    }
    this.socket.destroy()
    this.listener.onUpstreamFailure(new UpstreamError(this.target.name, cause, detail, err === undefined ? undefined : { cause: err }))
  }
}
