// A real Interop (and Second) server from the `thrift` library, in any dialect, with a default
// handler for every method and a log of the calls it received.
import { listenThrift } from '../../proxy/demo/index.js'
import { withTimeout } from './net.js'
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

export interface RecordedCall {
  readonly service: 'Interop' | 'Second'
  readonly method: string
  readonly args: readonly unknown[]
  /** Header transport: the THeader info headers that came with the call (keys as sent). */
  headers?: Record<string, string>
}

/** What a server received, in arrival order (oneway calls included). */
export class CallLog {
  readonly all: RecordedCall[] = []
  private waiters: { match: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }[] = []

  /** Calls recorded since the last attachHeaders (the current frame's). */
  private sinceFrame: RecordedCall[] = []

  record(c: RecordedCall): void {
    this.all.push(c)
    this.sinceFrame.push(c)
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(c)) return true
      w.resolve(c)
      return false
    })
  }

  count(method?: string): number {
    return method === undefined ? this.all.length : this.all.filter((c) => c.method === method).length
  }

  /** Resolves with the first call (already received or future) of `method` matching `pred`. */
  waitFor(method: string, pred: (args: readonly unknown[]) => boolean = () => true, timeoutMs = 5000): Promise<RecordedCall> {
    const match = (c: RecordedCall): boolean => c.method === method && pred(c.args)
    const seen = this.all.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    const p = new Promise<RecordedCall>((resolve) => this.waiters.push({ match, resolve }))
    return withTimeout(p, timeoutMs, `waiting for a ${method} call`)
  }

  /**
   * Header servers: the processor records a call while it reads the call's frame, synchronously,
   * so the calls recorded since the previous frame came with these headers.
   */
  attachHeaders(h: Record<string, string>): void {
    for (const c of this.sinceFrame) c.headers = { ...h }
    this.sinceFrame = []
  }

  clear(): void {
    this.all.length = 0
    this.sinceFrame = []
  }
}

export interface InteropServer {
  readonly port: number
  readonly calls: CallLog
  /** Errors the library reported for bad input (the server keeps running). */
  readonly errors: unknown[]
  close(): Promise<void>
}

export interface InteropServerOptions {
  transport: PeerTransport
  protocol: PeerProtocol
  /** Serve Interop and Second behind a TMultiplexedProcessor (names "Interop" and "Second"). */
  multiplexed?: boolean
  handler?: Partial<InteropHandler>
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
  const listener = await listenThrift(processor, { transport: opts.transport, protocol: opts.protocol, onError: (e) => errors.push(e), onHeaderFrame })
  return { port: listener.port, calls, errors, close: () => listener.close() }
}

/** Minimal protocol surface used to read fail's args and write its answer. */
interface Proto {
  readStructBegin(): void
  readFieldBegin(): { ftype: number; fid: number }
  readI32(): number
  skip(t: number): void
  readFieldEnd(): void
  readStructEnd(): void
  readMessageEnd(): void
  writeMessageBegin(name: string, type: number, seqid: number): void
  writeStructBegin(name: string): void
  writeFieldStop(): void
  writeStructEnd(): void
  writeMessageEnd(): void
  flush(): void
}

/**
 * fail() replaces the generated process_fail because the generated callback path turns every
 * undeclared error into TApplicationException UNKNOWN; tests need other types (INTERNAL_ERROR…).
 * Reading `{1: i32 kind}` and writing the reply still go through the library's protocol code.
 */
function processFail(impl: InteropHandler, calls: CallLog) {
  const lib = thriftLib()
  return (seqid: number, input: Proto, output: Proto): void => {
    let kind = 0
    input.readStructBegin()
    for (;;) {
      const f = input.readFieldBegin()
      if (f.ftype === 0) break
      if (f.fid === 1 && f.ftype === 8) kind = input.readI32()
      else input.skip(f.ftype)
      input.readFieldEnd()
    }
    input.readStructEnd()
    input.readMessageEnd()
    calls.record({ service: 'Interop', method: 'fail', args: [kind] })
    // Thrown out of process(): the library server (and ours) ends the connection without a reply.
    if (kind < 0) throw new Error(`fail(${kind}): dropping the connection`)
    const answer = (err: unknown): void => {
      if (err === null || err === undefined) {
        output.writeMessageBegin('fail', lib.Thrift.MessageType.REPLY as number, seqid)
        output.writeStructBegin('fail_result')
        output.writeFieldStop()
        output.writeStructEnd()
      } else {
        const x =
          err instanceof lib.Thrift.TApplicationException
            ? err
            : new lib.Thrift.TApplicationException(0, err instanceof Error ? err.message : String(err))
        // The library's TApplicationException.write emits field 2 (type) from `.code`, not `.type`.
        const wx = x as unknown as { type: number; code?: number; write(o: Proto): void }
        wx.code = wx.type
        output.writeMessageBegin('fail', lib.Thrift.MessageType.EXCEPTION as number, seqid)
        wx.write(output)
      }
      output.writeMessageEnd()
      output.flush()
    }
    let r: unknown
    try {
      r = impl.fail(kind)
    } catch (err) {
      answer(err)
      return
    }
    if (r instanceof Promise) r.then(() => answer(null), (err: unknown) => answer(err ?? new Error('rejected')))
    else answer(null)
  }
}
