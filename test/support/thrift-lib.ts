// Loading the real `thrift` library and the generated test code, plus the small adapters every peer
// needs. Generated code is thrift-compiler 0.17 (CommonJS, loaded with createRequire); see the quirk
// list in thrift-peers.ts for why handlers are wrapped callback-style and header clients patched.
import { createRequire } from 'node:module'
import { thriftLib, type ThriftLib } from '../../proxy/demo/index.js'

export { thriftLib, type ThriftLib }

export type PeerTransport = 'framed' | 'buffered' | 'header'
export type PeerProtocol = 'binary' | 'compact'

export interface PeerDialect {
  readonly transport: PeerTransport
  readonly protocol: PeerProtocol
  readonly multiplexed?: boolean
}

export const PEER_TRANSPORTS: readonly PeerTransport[] = ['framed', 'buffered', 'header']
export const PEER_PROTOCOLS: readonly PeerProtocol[] = ['binary', 'compact']

/** Every transport × protocol × multiplexed combination (12 dialects). */
export const ALL_DIALECTS: readonly Required<PeerDialect>[] = PEER_TRANSPORTS.flatMap((transport) =>
  PEER_PROTOCOLS.flatMap((protocol) => [false, true].map((multiplexed) => ({ transport, protocol, multiplexed }))),
)

/** A short name for test titles: "framed/binary", "header/compact+mux". */
export function dialectName(d: PeerDialect): string {
  return `${d.transport}/${d.protocol}${d.multiplexed === true ? '+mux' : ''}`
}

/** A generated service module: Client and Processor constructors. */
export interface GeneratedService {
  Client: new (...args: unknown[]) => unknown
  Processor: new (handler: unknown) => { process(i: unknown, o: unknown): void } & Record<string, unknown>
}

const require = createRequire(import.meta.url)

export interface TestGen {
  Interop: GeneratedService
  Second: GeneratedService
  UserService: GeneratedService
  /** interop_types: AllTypes, Inner, NotFound, Invalid, Color. */
  interop: Record<string, new (args?: Record<string, unknown>) => Record<string, unknown>> & { Color: Record<string, number> }
  /** user_types: User, UserPage, NotFound. */
  user: Record<string, new (args?: Record<string, unknown>) => Record<string, unknown>>
}

let quieted = false
/**
 * The library's compact protocol never clears its seqid in writeMessageEnd, so a server answering
 * two pipelined calls from one read logs "SeqId already set" (harmless: the seqid on the wire is
 * right). Keep that noise out of test output; every other library log line still goes through.
 */
function quietLibraryLog(): void {
  if (quieted) return
  quieted = true
  ;(thriftLib() as unknown as { setLogFunc(f: (msg: string) => void): void }).setLogFunc((msg) => {
    if (!msg.includes('SeqId already set')) console.log(msg)
  })
}

let gen: TestGen | undefined
/** The generated code in test/gen (loaded once). */
export function testGen(): TestGen {
  quietLibraryLog()
  gen ??= {
    Interop: require('../gen/Interop.js') as GeneratedService,
    Second: require('../gen/Second.js') as GeneratedService,
    UserService: require('../gen/UserService.js') as GeneratedService,
    interop: require('../gen/interop_types.js') as TestGen['interop'],
    user: require('../gen/user_types.js') as TestGen['user'],
  }
  return gen
}

/** node-int64's Int64, what the generated code reads and accepts for i64. */
export type Int64Value = InstanceType<ThriftLib['Int64']>

/** An i64 the generated code can write, from a bigint (exact beyond 2^53). */
export function i64(v: bigint | number): Int64Value {
  const lib = thriftLib()
  return new lib.Int64(lib.fromBigInt(v).buffer)
}

/** The exact value of an i64 the generated code read (an Int64) or a plain number. */
export function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number') return BigInt(v)
  if (v !== null && typeof v === 'object' && Buffer.isBuffer((v as { buffer?: unknown }).buffer)) {
    return thriftLib().toBigInt(v as { buffer: Buffer; offset?: number })
  }
  throw new TypeError(`not an i64: ${String(v)}`)
}

/** A TApplicationException of the library, as a handler would throw it. */
export function appException(type: number, message: string): Error & { type: number } {
  return new (thriftLib().Thrift.TApplicationException)(type, message)
}

/** A method table entry: the number of IDL arguments and whether it is oneway. */
export type MethodTable = Record<string, { args: number; oneway?: boolean }>

/**
 * Turns value-or-promise handler functions into the callback style the 0.17 generated processor
 * calls. The processor picks the `thrift.Q` path (absent in 0.24, so it throws) whenever
 * `handler.m.length` equals the IDL arity, so each adapter declares exactly one more parameter.
 * A handler that returns a plain value is answered synchronously (in the same tick).
 */
export function callbackHandler(
  methods: MethodTable,
  impl: Record<string, ((...args: never[]) => unknown) | undefined>,
  onCall?: (method: string, args: unknown[]) => void,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, { args: arity, oneway }] of Object.entries(methods)) {
    const fn = impl[name] as ((...args: unknown[]) => unknown) | undefined
    if (oneway === true) {
      out[name] = (...args: unknown[]) => {
        onCall?.(name, args)
        try {
          const r = fn?.apply(impl, args)
          if (r instanceof Promise) r.catch(() => {})
        } catch {
          // A oneway call has nobody to tell (thrift-rpc.md: no reply is ever sent).
        }
      }
      continue
    }
    const adapter = (...all: unknown[]): void => {
      const args = all.slice(0, arity)
      const done = all[arity] as (err: unknown, result?: unknown) => void
      onCall?.(name, args)
      let r: unknown
      try {
        if (fn === undefined) throw appException(1, `no handler for ${name}`)
        r = fn.apply(impl, args)
      } catch (err) {
        done(err)
        return
      }
      if (r instanceof Promise) r.then((v) => done(null, v), (err: unknown) => done(err ?? new Error('rejected')))
      else done(null, r)
    }
    Object.defineProperty(adapter, 'length', { value: arity + 1 })
    out[name] = adapter
  }
  return out
}
