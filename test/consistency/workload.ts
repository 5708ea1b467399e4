// The clients of a consistency run: sequential processes (one call at a time each, like Jepsen's),
// each with its own seeded RNG, over a small key space so writes and reads of one key collide
// often, through a proxy picked at random (and re-picked after a failure or now and then). Every
// operation is recorded with its invocation and completion times and its outcome.
import { connectThrift, demoGen, thriftLib, ThriftCallTimeoutError, ThriftClientClosedError, type ThriftClient } from '../../proxy/demo/index.js'
import { sleep } from '../support/net.js'
import { nowMs } from './clock.js'
import { AGE_SPAN, emailFor, MIN_AGE, type Op, type OpKind, type Outcome, type SeenUser } from './model.js'
import { Rng } from './rng.js'

export interface WorkloadOptions {
  seed: number
  clients: number
  keys: number
  proxyPorts: readonly number[]
  /** A client gets no reply within this long: the outcome is unknown. */
  callTimeoutMs: number
  /** Email variants per key (fewer: more getUserByEmail hits). */
  emailVariants: number
  weights: Readonly<Record<OpKind, number>>
}

export const DEFAULT_WEIGHTS: Readonly<Record<OpKind, number>> = { put: 25, delete: 5, get: 40, byEmail: 15, range: 15 }

interface WireUser {
  id: unknown
  name: string | null
  email: string | null
  age: number | null
}

function seen(u: WireUser): SeenUser {
  const lib = thriftLib()
  const id = typeof u.id === 'number' ? u.id : Number(lib.toBigInt(u.id as { buffer: Buffer }))
  return { id, name: u.name ?? '', email: u.email ?? '', age: u.age ?? 0 }
}

function classify(err: unknown): { outcome: Outcome; error: string } {
  const g = demoGen()
  if (err instanceof g.types.NotFound) return { outcome: 'notFound', error: '' }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  if (err instanceof ThriftCallTimeoutError || err instanceof ThriftClientClosedError) return { outcome: 'unknown', error: message }
  if (err instanceof thriftLib().Thrift.TApplicationException) return { outcome: 'error', error: message }
  return { outcome: 'unknown', error: message }
}

const METHOD: Record<OpKind, string> = { put: 'putUser', delete: 'deleteUser', get: 'getUser', byEmail: 'getUserByEmail', range: 'listUsersByAge' }

export class Workload {
  readonly history: Op[] = []
  private stopping = false
  private readonly running: Array<Promise<void>> = []

  constructor(private readonly opts: WorkloadOptions) {}

  /** The probe's rounds: its write, then its reads through another proxy (history indices). */
  readonly probes: Array<{ write: number; reads: number[] }> = []

  start(): void {
    for (let c = 0; c < this.opts.clients; c++) this.running.push(this.client(c))
    if (this.opts.proxyPorts.length > 1) this.running.push(this.probe(this.opts.clients))
  }

  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all(this.running)
  }

  /** Calls, times and records one operation. */
  private async perform(conn: ThriftClient, op: Op, args: unknown[]): Promise<void> {
    op.inv = nowMs()
    try {
      const r = await conn.call('UserService', METHOD[op.op], args)
      op.comp = nowMs()
      if (op.op === 'range') op.value = (r as WireUser[]).map(seen)
      else if (op.op !== 'delete') op.value = seen(r as WireUser)
    } catch (err) {
      op.comp = nowMs()
      const c = classify(err)
      op.outcome = c.outcome
      if (c.error !== '') op.error = c.error
    }
    op.i = this.history.length
    this.history.push(op)
  }

  /**
   * Measures the cross-proxy window directly: read a key through proxy B (so B holds an in-process
   * copy), write it through proxy A, then read it through B at once and again until B serves the
   * write. Every call is an ordinary operation of the history (the checker judges them too).
   */
  private async probe(proc: number): Promise<void> {
    const rng = new Rng((this.opts.seed * 31337 + 7) >>> 0)
    const g = demoGen()
    const conns = new Map<number, ThriftClient>()
    const connect = async (p: number): Promise<ThriftClient | undefined> => {
      const have = conns.get(p)
      if (have !== undefined) return have
      try {
        const c = await connectThrift(this.opts.proxyPorts[p] as number, { UserService: g.UserService }, { transport: 'framed', protocol: 'binary', connectTimeoutMs: 1000, callTimeoutMs: this.opts.callTimeoutMs })
        conns.set(p, c)
        void c.closed.then(() => conns.delete(p))
        return c
      } catch {
        return undefined
      }
    }
    let writes = 0
    while (!this.stopping) {
      const a = rng.int(0, this.opts.proxyPorts.length - 1)
      const b = (a + rng.int(1, this.opts.proxyPorts.length - 1)) % this.opts.proxyPorts.length
      const id = rng.int(1, this.opts.keys)
      const ca = await connect(a)
      const cb = await connect(b)
      if (ca === undefined || cb === undefined) {
        await sleep(50)
        continue
      }
      const base = { process: proc, i: -1, inv: 0, comp: 0, outcome: 'ok' as Outcome }
      const warm: Op = { ...base, proxy: b, op: 'get', id }
      await this.perform(cb, warm, [id])
      const w: Op = { ...base, proxy: a, op: 'put', id, writeId: `c${proc}-${++writes}`, email: emailFor(id, rng.int(0, this.opts.emailVariants - 1)), age: MIN_AGE + rng.int(0, AGE_SPAN - 1) }
      await this.perform(ca, w, [new g.types.User({ id, name: w.writeId, email: w.email, age: w.age })])
      if (w.outcome !== 'ok' || warm.outcome !== 'ok') {
        if (w.outcome !== 'ok') for (const c of conns.values()) void c.close()
        continue
      }
      // Read through B until it no longer serves the copy it held (the checker says which reads were stale).
      const round = { write: w.i, reads: [] as number[] }
      this.probes.push(round)
      for (let n = 0; n < 20 && !this.stopping; n++) {
        const r: Op = { ...base, proxy: b, op: 'get', id }
        await this.perform(cb, r, [id])
        round.reads.push(r.i)
        if ((r.outcome !== 'ok' && r.outcome !== 'notFound') || (r.value as SeenUser | undefined)?.name !== (warm.value as SeenUser).name) break
      }
      await sleep(rng.int(5, 30))
    }
    for (const c of conns.values()) await c.close()
  }

  private async client(proc: number): Promise<void> {
    const rng = new Rng((this.opts.seed * 7919 + proc * 104729) >>> 0)
    const g = demoGen()
    let conn: ThriftClient | undefined
    let proxy = rng.int(0, this.opts.proxyPorts.length - 1)
    let writes = 0
    while (!this.stopping) {
      if (conn === undefined) {
        try {
          conn = await connectThrift(this.opts.proxyPorts[proxy] as number, { UserService: g.UserService }, {
            transport: 'framed',
            protocol: 'binary',
            connectTimeoutMs: 1000,
            callTimeoutMs: this.opts.callTimeoutMs,
          })
        } catch {
          proxy = rng.int(0, this.opts.proxyPorts.length - 1)
          await sleep(50)
          continue
        }
      }
      const kind = rng.weighted(this.opts.weights)
      const id = rng.int(1, this.opts.keys)
      const op: Op = { i: -1, process: proc, proxy, op: kind, inv: 0, comp: 0, outcome: 'ok' }
      let args: unknown[]
      switch (kind) {
        case 'put': {
          op.id = id
          op.writeId = `c${proc}-${++writes}`
          op.email = emailFor(id, rng.int(0, this.opts.emailVariants - 1))
          op.age = MIN_AGE + rng.int(0, AGE_SPAN - 1)
          args = [new g.types.User({ id, name: op.writeId, email: op.email, age: op.age })]
          break
        }
        case 'delete':
        case 'get':
          op.id = id
          args = [id]
          break
        case 'byEmail':
          op.email = emailFor(id, rng.int(0, this.opts.emailVariants - 1))
          args = [op.email]
          break
        case 'range': {
          op.lo = MIN_AGE + rng.int(0, AGE_SPAN - 1)
          op.hi = op.lo + rng.int(0, 3)
          op.limit = rng.next() < 0.7 ? 0 : rng.int(1, 3)
          args = [op.lo, op.hi, op.limit]
          break
        }
      }
      await this.perform(conn, op, args)
      if (op.outcome === 'unknown' || op.outcome === 'error' || rng.next() < 0.02) {
        // A connection that lost a reply may still carry it later: start clean, maybe elsewhere.
        void conn.close()
        conn = undefined
        proxy = rng.int(0, this.opts.proxyPorts.length - 1)
      }
    }
    if (conn !== undefined) await conn.close()
  }
}
