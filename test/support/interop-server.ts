// A real Interop (and Second) server from the `thrift` library, in any dialect, with a default
// handler for every method and a log of the calls it received.
import { listenThrift } from '../../proxy/demo/index.js'
import { CallLog } from './call-log.js'
import { processFail } from './interop-fail.js'
import {
  appException,
  callbackHandler,
  testGen,
  thriftLib,
  type Int64Value,
  type MethodTable,
  type PeerProtocol,
  type PeerTransport,
} from './thrift-lib.js'

export interface InnerValue {
  n?: number | null
  label?: string | null
}

/** AllTypes as the generated code holds it: i64 as node-int64, sets as arrays, maps as objects. */
export interface AllTypesValue {
  b?: boolean | null
  i8v?: number | null
  i16v?: number | null
  i32v?: number | null
  i64v?: Int64Value | number | null
  dv?: number | null
  s?: string | null
  bin?: Buffer | null
  color?: number | null
  inner?: InnerValue | null
  li?: number[] | null
  ss?: string[] | null
  msi?: Record<string, Int64Value | number> | null
  nested?: number[][] | null
  mli?: Record<number, InnerValue[]> | null
  si64?: (Int64Value | number)[] | null
  lb?: boolean[] | null
  mb?: Record<string, boolean> | null
  opt?: string | null
  ld?: number[] | null
  mbin?: Record<string, InnerValue> | null
  b2?: boolean | null
  farId?: number | null
}

type R<T> = T | Promise<T>
/** Handlers return a value (answered synchronously) or a promise; throwing = an exception reply. */
export interface InteropHandler {
  ping(): R<void>
  echo(v: AllTypesValue): R<AllTypesValue>
  echoString(s: string): R<string>
  echoBinary(b: Buffer): R<Buffer>
  echoI64(v: Int64Value): R<Int64Value>
  echoDouble(v: number): R<number>
  echoList(v: AllTypesValue[]): R<AllTypesValue[]>
  echoMap(v: Record<string, number[]>): R<Record<string, number[]>>
  add(a: number, b: number): R<number>
  find(key: string): R<AllTypesValue>
  fail(kind: number): R<void>
  slow(ms: number, tag: string): R<string>
  notify(event: string): void
}

export const INTEROP_METHODS: MethodTable = {
  ping: { args: 0 },
  echo: { args: 1 },
  echoString: { args: 1 },
  echoBinary: { args: 1 },
  echoI64: { args: 1 },
  echoDouble: { args: 1 },
  echoList: { args: 1 },
  echoMap: { args: 1 },
  add: { args: 2 },
  find: { args: 1 },
  fail: { args: 1 },
  slow: { args: 2 },
  notify: { args: 1, oneway: true },
}
export const SECOND_METHODS: MethodTable = { hello: { args: 1 } }

/** A declared `NotFound` (find's exception field 1). */
export function notFound(what: string, code = 404): Error {
  return new (testGen().interop.NotFound as unknown as new (a: object) => Error)({ what, code })
}
/** A declared `Invalid` (find's exception field 2). */
export function invalid(reason: string): Error {
  return new (testGen().interop.Invalid as unknown as new (a: object) => Error)({ reason })
}

/**
 * The default behaviour:
 * - echo* return their argument; add wraps like i32.
 * - find(key): "missing…" throws NotFound{what: key, code: 404}; "invalid…" throws Invalid;
 *   "crash…" throws an undeclared Error (→ TApplicationException UNKNOWN); else an AllTypes with s = key.
 * - fail(kind): 0 throws an undeclared Error (the generated code answers TApplicationException
 *   UNKNOWN, message "fail(0)"); 1..15 answer a TApplicationException of that type; < 0 drops the
 *   connection without answering.
 * - slow(ms, tag) answers tag after ms (works on header servers too, see thrift-server.ts).
 * - notify(event) only records the call.
 */
export const defaultInteropHandler: InteropHandler = {
  ping() {},
  echo: (v) => v,
  echoString: (s) => s,
  echoBinary: (b) => b,
  echoI64: (v) => v,
  echoDouble: (v) => v,
  echoList: (v) => v,
  echoMap: (v) => v,
  add: (a, b) => (a + b) | 0,
  find(key) {
    if (key.startsWith('missing')) throw notFound(key, 404)
    if (key.startsWith('invalid')) throw invalid(`invalid key ${key}`)
    if (key.startsWith('crash')) throw new Error(`crash on ${key}`)
    return { s: key, i32v: key.length, inner: { n: 1, label: key } }
  },
  fail(kind) {
    if (kind === 0) throw new Error('fail(0)')
    throw appException(kind, `fail(${kind})`)
  },
  slow: (ms, tag) => new Promise((resolve) => setTimeout(() => resolve(tag), ms)),
  notify() {},
}

export interface InteropServer {
  readonly port: number
  readonly calls: CallLog
  /** Errors the library reported for bad input (the server keeps running). */
  readonly errors: unknown[]
  /** Client connections open now / accepted since start. */
  readonly openConnections: number
  readonly acceptedConnections: number
  /** Destroys every open connection, keeps listening. */
  dropConnections(): void
  close(): Promise<void>
}

export interface InteropServerOptions {
  transport: PeerTransport
  protocol: PeerProtocol
  /** Serve Interop and Second behind a TMultiplexedProcessor (names "Interop" and "Second"). */
  multiplexed?: boolean
  handler?: Partial<InteropHandler>
  /** Listen on this port (e.g. to restart a server where a proxy expects it). Default 0. */
  port?: number
  /** Second.hello; default answers `hello, ${who}`. */
  hello?: (who: string) => string | Promise<string>
}

/** Starts a real Interop server on 127.0.0.1, port 0. Header servers accept THeader frames only. */
export async function startInteropServer(opts: InteropServerOptions): Promise<InteropServer> {
  const g = testGen()
  const calls = new CallLog()
  const errors: unknown[] = []
  const impl = { ...defaultInteropHandler, ...opts.handler }
  const cb = callbackHandler(INTEROP_METHODS, impl as unknown as Record<string, never>, (method, args) =>
    calls.record({ service: 'Interop', method, args }),
  )
  const interop = new g.Interop.Processor(cb)
  interop.process_fail = processFail(impl, calls)
  const hello = opts.hello ?? ((who: string) => `hello, ${who}`)
  const second = new g.Second.Processor(
    callbackHandler(SECOND_METHODS, { hello } as unknown as Record<string, never>, (method, args) => calls.record({ service: 'Second', method, args })),
  )
  let processor: { process(i: unknown, o: unknown): void } = interop
  if (opts.multiplexed === true) {
    const mux = new (thriftLib().MultiplexedProcessor)()
    mux.registerProcessor('Interop', interop)
    mux.registerProcessor('Second', second)
    processor = mux as unknown as typeof processor
  }
  const onHeaderFrame = (h: Record<string, string>): void => calls.attachHeaders(h)
  const listener = await listenThrift(processor, {
    transport: opts.transport,
    protocol: opts.protocol,
    port: opts.port ?? 0,
    onError: (e) => errors.push(e),
    onHeaderFrame,
  })
  return {
    port: listener.port,
    calls,
    errors,
    get openConnections() {
      return listener.openConnections
    },
    get acceptedConnections() {
      return listener.acceptedConnections
    },
    dropConnections: () => listener.dropConnections(),
    close: () => listener.close(),
  }
}
