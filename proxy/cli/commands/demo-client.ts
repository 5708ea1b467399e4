// `thriftgate demo-client`: calls the demo UserService (through the proxy) and prints each answer with
// its time, so repeated reads show what the cache does. Calls are METHOD ARGS... in sequence:
//   thriftgate demo-client --port 9090 getUser 42 getUser 42 getUserByEmail user42@example.com
import type { CommandModule } from 'yargs'
import { ThriftgateError } from '../../errors/index.js'
import { connectThrift, thriftLib } from '../../demo/index.js'
import { demoGen } from '../../demo/index.js'

/** Arity and argument kinds of each demo method (config/demo/user.thrift). */
const METHODS: Record<string, readonly ('i64' | 'i32' | 'string' | 'user')[]> = {
  getUser: ['i64'],
  getUserByEmail: ['string'],
  listUsersByAge: ['i32', 'i32', 'i32'],
  countUsers: [],
  putUser: ['user'],
  deleteUser: ['i64'],
  scanUsers: ['i64', 'i32'],
  touch: ['i64'],
}

export const DEFAULT_DEMO_CALLS = ['getUser', '42', 'getUser', '42', 'getUserByEmail', 'user42@example.com', 'listUsersByAge', '30', '30', '3', 'countUsers']

export interface DemoCall {
  readonly method: string
  readonly args: readonly string[]
}

export class DemoCallError extends ThriftgateError<'TG_ERR_USAGE'> {
  override readonly name = 'DemoCallError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('TG_ERR_USAGE', message, options)
  }
}

export function parseCalls(words: readonly string[]): DemoCall[] {
  const calls: DemoCall[] = []
  for (let i = 0; i < words.length; ) {
    const method = words[i] ?? ''
    const kinds = METHODS[method]
    if (kinds === undefined) throw new DemoCallError(`unknown method "${method}"; the demo UserService has: ${Object.keys(METHODS).join(', ')}`)
    const args = words.slice(i + 1, i + 1 + kinds.length)
    if (args.length < kinds.length) throw new DemoCallError(`${method} takes ${kinds.length} argument(s) (${kinds.join(', ')}); got ${args.length}`)
    calls.push({ method, args })
    i += 1 + kinds.length
  }
  return calls
}

function toWire(kind: string, text: string, make: (v: object) => object): unknown {
  const lib = thriftLib()
  switch (kind) {
    case 'i64':
      return lib.fromBigInt(BigInt(text))
    case 'i32':
      return Number.parseInt(text, 10)
    case 'user': {
      const u = JSON.parse(text) as { id: number | string; name?: string; email?: string; age?: number; tags?: string[] }
      return make({ ...u, id: lib.fromBigInt(BigInt(u.id)) })
    }
    default:
      return text
  }
}

/** Generated values as plain JSON: node-int64 as a decimal, thrift structs as objects. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v === 'object') {
    if ('buffer' in v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return String(thriftLib().toBigInt(v as { buffer: Buffer }))
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = plain(x)
    return out
  }
  return v
}

interface Args {
  host: string
  port: number
  transport: string
  protocol: string
  repeat: number
  calls?: string[]
}

export const demoClientCommand: CommandModule<object, Args> = {
  command: 'demo-client [calls..]',
  describe: 'Call the demo UserService (through the proxy) and print answers and timings',
  builder: (y) =>
    y
      .positional('calls', { type: 'string', array: true, describe: `METHOD ARGS... in sequence (default: ${DEFAULT_DEMO_CALLS.join(' ')})` })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Where the proxy (or the service) listens' })
      .option('port', { type: 'number', default: 9090, describe: 'Its port' })
      .option('transport', { type: 'string', choices: ['framed', 'buffered', 'header'], default: 'framed' })
      .option('protocol', { type: 'string', choices: ['binary', 'compact'], default: 'binary' })
      .option('repeat', { type: 'number', default: 1, describe: 'Run the whole sequence this many times' })
      .example('$0 demo-client --port 9090 getUser 42 getUser 42', 'The second getUser is a cache hit once caching is on')
      .example(`$0 demo-client putUser '{"id":42,"name":"Ann","email":"ann@example.com","age":33}' getUser 42`, 'A write, then a fresh read'),
  handler: async (argv) => {
    let calls: DemoCall[]
    try {
      calls = parseCalls(argv.calls === undefined || argv.calls.length === 0 ? DEFAULT_DEMO_CALLS : argv.calls.map(String))
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`)
      process.exitCode = 2
      return
    }
    const gen = demoGen()
    let client
    try {
      client = await connectThrift(argv.port, { UserService: gen.UserService }, {
        host: argv.host,
        transport: argv.transport as 'framed' | 'buffered' | 'header',
        protocol: argv.protocol as 'binary' | 'compact',
      })
    } catch (err) {
      process.stderr.write(`error: cannot connect to ${argv.host}:${argv.port} (${(err as Error).message}); is \`thriftgate demo\` running?\n`)
      process.exitCode = 1
      return
    }
    try {
      for (let round = 0; round < Math.max(1, argv.repeat); round++) {
        for (const c of calls) {
          const wire = c.args.map((a, i) => toWire(METHODS[c.method]?.[i] ?? 'string', a, (v) => new gen.types.User(v)))
          const label = `${c.method}(${c.args.join(', ')})`
          const t0 = process.hrtime.bigint()
          let shown: string
          if (c.method === 'touch') {
            // oneway: the generated client's callback never fires; the call is sent, nothing comes back.
            void client.call('UserService', c.method, wire).catch(() => undefined)
            shown = 'sent (oneway: no reply)'
          } else {
            try {
              shown = `-> ${JSON.stringify(plain(await client.call('UserService', c.method, wire)))}`
            } catch (err) {
              const e = err as Error & { message?: string }
              shown = `!! ${e.name === 'Error' || e.name === undefined ? 'error' : e.name}: ${e.message}`
            }
          }
          const ms = Number(process.hrtime.bigint() - t0) / 1e6
          process.stdout.write(`${label.padEnd(34)} ${ms.toFixed(1).padStart(7)} ms  ${shown}\n`)
        }
      }
    } finally {
      await client.close()
    }
  },
}
