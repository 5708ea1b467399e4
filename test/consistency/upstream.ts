// The checker's upstream: the demo UserService in its own process (so the nemesis can kill -9 and
// SIGSTOP it), over a store that appends every write it applies to a log file BEFORE applying it
// and answering. The log is the upstream's own record of what happened, in its order, with times:
// the checker proves exactly-once and freshness against it. On start the log is replayed, so a
// killed upstream comes back with everything it had applied (an applied write whose reply was lost
// to the kill is an unknown outcome for the client, and stays applied).
//   node --import tsx test/consistency/upstream.ts --port P --log FILE --keys K
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startDemoUpstream, UserStore, type User } from '../../proxy/demo/index.js'
import { nowMs } from './clock.js'
import { emailFor, seedWriteId, type AppliedWrite } from './model.js'

class LoggedStore extends UserStore {
  private seq = 0
  private fd: number | undefined

  constructor(private readonly file: string) {
    super()
  }

  /** Replays the log (without logging again) and opens it for appending. */
  open(): void {
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (line === '') continue
        let w: AppliedWrite
        try {
          w = JSON.parse(line) as AppliedWrite
        } catch {
          continue // a line torn by kill -9 mid-write was never answered: never applied
        }
        this.seq = w.seq
        if (w.op === 'put') super.put({ id: BigInt(w.id), name: w.name ?? '', email: w.email ?? '', age: w.age ?? 0 })
        else super.delete(BigInt(w.id))
      }
    }
    this.fd = openSync(this.file, 'a')
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  override put(u: User): User {
    this.append({ seq: ++this.seq, t: nowMs(), op: 'put', id: Number(u.id), name: u.name, email: u.email, age: u.age })
    return super.put(u)
  }

  override delete(id: bigint): boolean {
    const found = this.get(id) !== undefined
    this.append({ seq: ++this.seq, t: nowMs(), op: 'delete', id: Number(id), found })
    return super.delete(id)
  }

  private append(w: AppliedWrite): void {
    // A synchronous write reaches the kernel before the reply is sent: it survives kill -9.
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(w)}\n`)
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, log: { type: 'string' }, keys: { type: 'string', default: '8' }, 'latency-ms': { type: 'string', default: '0' } },
  })
  if (values.port === undefined || values.log === undefined) throw new Error('usage: upstream.ts --port P --log FILE [--keys K]')
  const store = new LoggedStore(values.log)
  const fresh = !existsSync(values.log)
  store.open()
  if (fresh) for (let id = 1; id <= Number(values.keys); id++) store.put({ id: BigInt(id), name: seedWriteId(id), email: emailFor(id, 0), age: 20 + (id % 10) })
  const up = await startDemoUpstream({ port: Number(values.port), store, latencyMs: Number(values['latency-ms']) })
  process.stdout.write(`ready ${up.port}\n`)
  const stop = (): void => {
    void up.close().then(() => {
      store.close()
      process.exit(0)
    })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
