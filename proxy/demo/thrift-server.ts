// Serving a generated Thrift processor with the `thrift` npm library (0.24) in a chosen dialect.
//
// Framed and buffered (unframed) servers are the library's own `createMultiplexServer`. THeader is
// different: the library's header server reuses one input transport for the whole connection and,
// after handling a message, tries to read the next one from an empty buffer; that clears the
// transport's "the client sent headers" flag. A reply written later (a handler that answers after
// a timer or I/O) therefore goes out WITHOUT the THeader wrapper, which no header client can read.
// So for header we drive the library's own THeaderProtocol/transport ourselves, one fresh transport
// per frame: every frame starts with a u32 length (HeaderFormat.md), which is all the splitting needs.
import net from 'node:net'
import { createRequire } from 'node:module'

export type ThriftTransport = 'framed' | 'buffered' | 'header'
export type ThriftProtocol = 'binary' | 'compact'

/** The parts of the untyped CommonJS library this code touches. */
export interface ThriftLib {
  createMultiplexServer(processor: unknown, opts: { transport: unknown; protocol: unknown }): net.Server
  createConnection(host: string, port: number, opts: Record<string, unknown>): ThriftConnection
  createClient(service: unknown, connection: ThriftConnection): unknown
  Multiplexer: new () => { createClient(name: string, service: unknown, connection: ThriftConnection): unknown }
  MultiplexedProcessor: new () => { registerProcessor(name: string, processor: unknown): void }
  TFramedTransport: TransportCtor
  TBufferedTransport: TransportCtor
  TBinaryProtocol: unknown
  TCompactProtocol: unknown
  THeaderProtocol: new (t: unknown) => unknown
  Thrift: {
    TApplicationException: new (type?: number, message?: string) => Error & { type: number }
    TApplicationExceptionType: Record<string, number>
    MessageType: Record<string, number>
  }
  Int64: new (v: Buffer | number | string) => { buffer: Buffer; toNumber(allowImprecise?: boolean): number }
  fromBigInt(v: bigint | string | number): { buffer: Buffer }
  toBigInt(v: { buffer: Buffer; offset?: number }): bigint
}

export interface ThriftConnection {
  connected: boolean
  on(event: string, fn: (...args: unknown[]) => void): unknown
  once(event: string, fn: (...args: unknown[]) => void): unknown
  end(): void
  destroy(): void
  connection: net.Socket
}

type TransportCtor = (new (buf?: Buffer, onFlush?: (b: Buffer) => void) => HeaderCapableTransport) & {
  receiver: unknown
}
interface HeaderCapableTransport {
  inBuf: Buffer
  readCursor: number
  writeCursor: number
  setProtocolId(id: number): void
  getReadHeaders(): Record<string, string>
}

const require = createRequire(import.meta.url)
let lib: ThriftLib | undefined

/** The `thrift` npm library, loaded once (it is CommonJS). */
export function thriftLib(): ThriftLib {
  lib ??= require('thrift') as ThriftLib
  return lib
}

/** THeader protocol ids (HeaderFormat.md): 0 binary, 2 compact. */
export const HEADER_PROTOCOL_ID: Record<ThriftProtocol, number> = { binary: 0, compact: 2 }

/**
 * The library classes for a dialect. Header is THeaderProtocol over TBufferedTransport: THeader
 * frames carry their own length, and TFramedTransport would prepend a second one on flush.
 */
export function libraryStack(transport: ThriftTransport, protocol: ThriftProtocol): { transport: TransportCtor; protocol: unknown } {
  const t = thriftLib()
  if (transport === 'header') return { transport: t.TBufferedTransport, protocol: t.THeaderProtocol }
  return {
    transport: transport === 'framed' ? t.TFramedTransport : t.TBufferedTransport,
    protocol: protocol === 'compact' ? t.TCompactProtocol : t.TBinaryProtocol,
  }
}

export interface ThriftListener {
  readonly port: number
  readonly server: net.Server
  /** Client connections open right now. */
  readonly openConnections: number
  /** Client connections accepted since start. */
  readonly acceptedConnections: number
  /** Destroys every open client connection but keeps listening (fault injection). */
  dropConnections(): void
  /** Stops listening and destroys open connections (idempotent). */
  close(): Promise<void>
}

export interface ListenOptions {
  transport: ThriftTransport
  protocol: ThriftProtocol
  host?: string
  port?: number
  /** Largest THeader frame accepted before the connection is dropped. Default 16,384,000. */
  maxFrameSize?: number
  /** Called with errors the library reports for one connection (bad input); the server keeps running. */
  onError?: (err: unknown) => void
  /** Header transport: the info headers of each frame, right after the processor has read it. */
  onHeaderFrame?: (headers: Record<string, string>) => void
}

/** Starts serving `processor` (a generated Processor or a MultiplexedProcessor). */
export async function listenThrift(processor: { process(i: unknown, o: unknown): void }, opts: ListenOptions): Promise<ThriftListener> {
  const onError = opts.onError ?? (() => {})
  const server =
    opts.transport === 'header'
      ? net.createServer((s) => serveHeaderConnection(s, processor, opts.maxFrameSize ?? 16_384_000, onError, opts.onHeaderFrame))
      : thriftLib().createMultiplexServer(processor, libraryStack(opts.transport, opts.protocol))
  server.on('error', onError)
  const sockets = new Set<net.Socket>()
  let accepted = 0
  server.on('connection', (s: net.Socket) => {
    accepted++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new Error('listenThrift: server has no TCP address')
  let closing: Promise<void> | undefined
  return {
    port: addr.port,
    server,
    get openConnections() {
      return sockets.size
    },
    get acceptedConnections() {
      return accepted
    },
    dropConnections() {
      for (const s of sockets) s.destroy()
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
      return closing
    },
  }
}

function serveHeaderConnection(
  socket: net.Socket,
  processor: { process(i: unknown, o: unknown): void },
  maxFrameSize: number,
  onError: (err: unknown) => void,
  onHeaderFrame: ((headers: Record<string, string>) => void) | undefined,
): void {
  const t = thriftLib()
  socket.setNoDelay(true)
  socket.on('error', onError)
  let pending: Buffer[] = []
  let pendingLength = 0
  const write = (b: Buffer): void => {
    if (!socket.destroyed) socket.write(b)
  }
  socket.on('data', (chunk: Buffer) => {
    pending.push(chunk)
    pendingLength += chunk.length
    while (pendingLength >= 4) {
      // Join chunks only to read a split length, then once per complete frame (not per chunk).
      if ((pending[0] as Buffer).length < 4) pending = [Buffer.concat(pending, pendingLength)]
      const frameLength = (pending[0] as Buffer).readUInt32BE(0)
      if (frameLength > maxFrameSize) {
        onError(new Error(`THeader frame of ${frameLength} bytes exceeds ${maxFrameSize}`))
        socket.destroy()
        return
      }
      if (pendingLength < 4 + frameLength) return
      const head = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingLength)
      const frame = head.subarray(0, 4 + frameLength)
      const rest = head.subarray(4 + frameLength)
      pending = rest.length > 0 ? [rest] : []
      pendingLength = rest.length
      const trans = new t.TBufferedTransport(undefined, write)
      trans.inBuf = frame
      trans.readCursor = 0
      trans.writeCursor = frame.length
      const proto = new t.THeaderProtocol(trans)
      try {
        // Input and output share the transport: the reply mirrors the request's header (protocol id, seqid).
        processor.process(proto, proto)
        onHeaderFrame?.(trans.getReadHeaders())
      } catch (err) {
        onError(err)
        socket.destroy()
        return
      }
    }
  })
}
