// The DEMO UPSTREAM: a UserService (config/demo/user.thrift) on the real `thrift` library, with an
// in-memory store, configurable dialect, artificial latency, and secondary lookups that scan.
// Used by `thriftgate demo`, cache/index tests and benchmarks. Runnable alone:
//   node --import tsx proxy/demo/upstream.ts --port 9091 [--transport framed|buffered|header]
//        [--protocol binary|compact] [--multiplexed] [--seed 1000] [--latency-ms 0] [--scan-latency-ms 0]
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { listenThrift, thriftLib, type ThriftProtocol, type ThriftTransport } from './thrift-server.js'
import type { UserBackend } from './user-backend.js'
import { UserStore, type User } from './user-store.js'

/** 'unframed' is the codec's name for the library's buffered transport. */
export type DemoTransport = ThriftTransport | 'unframed'

export interface DemoUpstreamOptions {
  host?: string
  /** Default 0 (any free port). */
  port?: number
  transport?: DemoTransport
  protocol?: ThriftProtocol
  /** Serve behind a TMultiplexedProcessor as "UserService". */
  multiplexed?: boolean
  /** Seed users 1..seed into a fresh store. */
  seed?: number
  /** Use this store (shared between upstreams, or prepared by a test). */
  store?: UserStore
  /**
   * Serve users from this backend instead of the in-memory store (which then stays empty and
   * `seed` is ignored: the backend comes seeded), e.g. a database table for benchmarks.
   */
  backend?: UserBackend
  /** Added to every call before it is answered. Default 0 (answered synchronously). */
  latencyMs?: number
  /** Added to getUserByEmail and listUsersByAge, on top of their full scan. Default 0. */
  scanLatencyMs?: number
  /** Told about every call as it arrives (oneway touch included), e.g. to await a touch. */
  onCall?: (method: UserServiceMethod, args: readonly unknown[]) => void
}

export const USER_SERVICE_METHODS = ['getUser', 'getUserByEmail', 'listUsersByAge', 'countUsers', 'putUser', 'deleteUser', 'scanUsers', 'touch'] as const
export type UserServiceMethod = (typeof USER_SERVICE_METHODS)[number]

export interface DemoUpstream {
  readonly host: string
  readonly port: number
  readonly store: UserStore
  readonly stats: { readonly calls: Record<UserServiceMethod, number> }
  /** Client connections open now / accepted since start. */
  readonly openConnections: number
  readonly acceptedConnections: number
  /** Destroys every open client connection, keeps listening (fault injection). */
  dropConnections(): void
  close(): Promise<void>
}

export interface Gen {
  UserService: { Processor: new (handler: unknown) => { process(i: unknown, o: unknown): void } }
  types: { User: new (a: object) => object; UserPage: new (a: object) => object; NotFound: new (a: object) => Error }
}
let gen: Gen | undefined

/** The generated code: ./gen next to the source, or proxy/demo/gen from the compiled dist/demo/. */
export function demoGen(): Gen {
  if (gen !== undefined) return gen
  const here = dirname(fileURLToPath(import.meta.url))
  const dir = [join(here, 'gen'), join(here, '..', '..', 'proxy', 'demo', 'gen')].find((d) => existsSync(join(d, 'UserService.js')))
  if (dir === undefined) throw new Error(`demo upstream: generated UserService code not found near ${here} (run scripts/gen-thrift.sh)`)
  const require = createRequire(join(dir, 'UserService.js'))
  gen = { UserService: require('./UserService.js') as Gen['UserService'], types: require('./user_types.js') as Gen['types'] }
  return gen
}

type Done = (err: unknown, result?: unknown) => void

/** f(v), after v resolves if it is a promise (the in-memory store answers in the same tick). */
function then<T, R>(v: T | Promise<T>, f: (v: T) => R): R | Promise<R> {
  return v instanceof Promise ? v.then(f) : f(v)
}
interface WireUser {
  id: unknown
  name: string | null
  email: string | null
  age: number | null
  tags: string[] | null
}

/** Starts the demo upstream on 127.0.0.1 (port 0 unless given). */
export async function startDemoUpstream(opts: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  const g = demoGen()
  const lib = thriftLib()
  const store = opts.store ?? new UserStore()
  if (opts.backend === undefined && opts.seed !== undefined && opts.seed > 0) store.seedUsers(opts.seed)
  const users: UserBackend = opts.backend ?? store
  const calls = Object.fromEntries(USER_SERVICE_METHODS.map((m) => [m, 0])) as Record<UserServiceMethod, number>
  const latency = opts.latencyMs ?? 0
  const scanLatency = opts.scanLatencyMs ?? 0

  const toI64 = (v: bigint): unknown => lib.fromBigInt(v)
  const fromI64 = (v: unknown): bigint => (typeof v === 'number' ? BigInt(v) : lib.toBigInt(v as { buffer: Buffer }))
  const wire = (u: User): object => new g.types.User({ id: toI64(u.id), name: u.name, email: u.email, age: u.age, tags: u.tags })
  const notFound = (what: string): Error => new g.types.NotFound({ message: `${what} not found` })
  // Runs `work` after the configured delay, or right now (same tick) when there is none; work
  // may return a promise (an asynchronous backend).
  const answer = (method: UserServiceMethod, args: readonly unknown[], delayMs: number, done: Done, work: () => unknown): void => {
    calls[method]++
    opts.onCall?.(method, args)
    const run = (): void => {
      let r: unknown
      try {
        r = work()
      } catch (err) {
        done(err)
        return
      }
      if (r instanceof Promise) r.then((v: unknown) => done(null, v), (err: unknown) => done(err))
      else done(null, r)
    }
    if (delayMs > 0) setTimeout(run, delayMs)
    else run()
  }

  // Callback style (one parameter more than the IDL): see thrift-server.ts and the 0.17 `thrift.Q` note.
  const handler = {
    getUser(id: unknown, done: Done) {
      answer('getUser', [id], latency, done, () => {
        return then(users.get(fromI64(id)), (u) => {
          if (u === undefined) throw notFound(`user ${fromI64(id)}`)
          return wire(u)
        })
      })
    },
    getUserByEmail(email: string, done: Done) {
      answer('getUserByEmail', [email], latency + scanLatency, done, () => {
        return then(users.findByEmail(email), (u) => {
          if (u === undefined) throw notFound(`user with email ${email}`)
          return wire(u)
        })
      })
    },
    listUsersByAge(lo: number, hi: number, limit: number, done: Done) {
      answer('listUsersByAge', [lo, hi, limit], latency + scanLatency, done, () => then(users.listByAge(lo, hi, limit), (us) => us.map(wire)))
    },
    countUsers(done: Done) {
      answer('countUsers', [], latency, done, () => then(users.count(), (n) => toI64(BigInt(n))))
    },
    putUser(u: WireUser, done: Done) {
      answer('putUser', [u], latency, done, () => {
        if (u.id === null || u.id === undefined) throw new Error('putUser: id is required')
        return then(users.put({ id: fromI64(u.id), name: u.name ?? '', email: u.email ?? '', age: u.age ?? 0, tags: u.tags ?? undefined }), wire)
      })
    },
    deleteUser(id: unknown, done: Done) {
      answer('deleteUser', [id], latency, done, () => {
        return then(users.delete(fromI64(id)), (had) => {
          if (!had) throw notFound(`user ${fromI64(id)}`)
          return undefined
        })
      })
    },
    scanUsers(afterId: unknown, limit: number, done: Done) {
      answer('scanUsers', [afterId, limit], latency, done, () => {
        return then(users.scan(fromI64(afterId), limit), (page) => new g.types.UserPage({ users: page.users.map(wire), nextAfter: page.nextAfter === undefined ? undefined : toI64(page.nextAfter) }))
      })
    },
    touch(id: unknown) {
      calls.touch++
      opts.onCall?.('touch', [id])
    },
  }

  let processor: { process(i: unknown, o: unknown): void } = new g.UserService.Processor(handler)
  if (opts.multiplexed === true) {
    const mux = new lib.MultiplexedProcessor()
    mux.registerProcessor('UserService', processor)
    processor = mux as unknown as typeof processor
  }
  const transport: ThriftTransport = opts.transport === 'unframed' ? 'buffered' : (opts.transport ?? 'framed')
  const host = opts.host ?? '127.0.0.1'
  const listener = await listenThrift(processor, { transport, protocol: opts.protocol ?? 'binary', host, port: opts.port ?? 0 })
  return {
    host,
    port: listener.port,
    store,
    stats: { calls },
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

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '9091' },
      transport: { type: 'string', default: 'framed' },
      protocol: { type: 'string', default: 'binary' },
      multiplexed: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1000' },
      'latency-ms': { type: 'string', default: '0' },
      'scan-latency-ms': { type: 'string', default: '0' },
    },
  })
  const transport = values.transport as DemoTransport
  if (!['framed', 'buffered', 'unframed', 'header'].includes(transport)) throw new Error(`--transport must be framed, buffered (unframed) or header, not ${transport}`)
  if (values.protocol !== 'binary' && values.protocol !== 'compact') throw new Error(`--protocol must be binary or compact, not ${values.protocol}`)
  const up = await startDemoUpstream({
    host: values.host,
    port: Number(values.port),
    transport,
    protocol: values.protocol,
    multiplexed: values.multiplexed,
    seed: Number(values.seed),
    latencyMs: Number(values['latency-ms']),
    scanLatencyMs: Number(values['scan-latency-ms']),
  })
  console.log(`demo upstream (UserService, ${transport}/${values.protocol}) listening on ${up.host}:${up.port} with ${up.store.size} users`)
  const stop = (): void => void up.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  })
}
