// Load generator for the end-to-end forwarding bench, in its own process (forked with IPC). Raw
// sockets and pre-encoded calls keep the client's own cost low: every connection keeps `depth`
// calls in flight; each reply (all replies have the same size, so they are counted, not parsed)
// lets one more call go. Latency is send → reply, FIFO per connection (the upstream answers this
// synchronous method in order). Bounded: stops sending at the deadline, gives up waiting 2s later.
import net from 'node:net'
import { performance } from 'node:perf_hooks'

export interface LoadRequest {
  readonly port: number
  readonly transport: 'framed' | 'buffered'
  readonly conns: number
  readonly depth: number
  readonly warmupMs: number
  readonly durationMs: number
}

export interface LoadResult {
  /** Replies in the measured window. */
  readonly calls: number
  /** Replies over the whole run, warm-up included (for CPU time per call). */
  readonly total: number
  readonly seconds: number
  readonly throughput: number
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly errors: number
}

/** add(1, 2) in the strict binary protocol, with `seqid`, framed or not. */
function callBytes(transport: LoadRequest['transport'], seqid: number): Buffer {
  const msg = Buffer.alloc(4 + 4 + 3 + 4 + 15)
  let o = msg.writeUInt32BE(0x80010001, 0) // version 1, CALL
  o = msg.writeInt32BE(3, o)
  o += msg.write('add', o)
  o = msg.writeInt32BE(seqid, o)
  o = msg.writeUInt8(8, o) // i32 a
  o = msg.writeInt16BE(1, o)
  o = msg.writeInt32BE(1, o)
  o = msg.writeUInt8(8, o) // i32 b
  o = msg.writeInt16BE(2, o)
  o = msg.writeInt32BE(2, o)
  msg.writeUInt8(0, o)
  if (transport === 'buffered') return msg
  const framed = Buffer.alloc(4 + msg.length)
  framed.writeInt32BE(msg.length, 0)
  msg.copy(framed, 4)
  return framed
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true })
    s.once('error', reject)
    s.once('connect', () => {
      s.off('error', reject)
      resolve(s)
    })
  })
}

/** The size of one reply, learnt from a single call before the run. */
async function replySize(req: LoadRequest): Promise<number> {
  const s = await connect(req.port)
  let got = 0
  s.on('data', (d: Buffer) => (got += d.length))
  s.write(callBytes(req.transport, 1))
  const until = Date.now() + 2000
  while (got === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
  await new Promise((r) => setTimeout(r, 50))
  s.destroy()
  if (got === 0) throw new Error(`no reply from port ${req.port}`)
  return got
}

export async function runLoad(req: LoadRequest): Promise<LoadResult> {
  const size = await replySize(req)
  const ring = 2 * req.depth
  const templates = Array.from({ length: ring }, (_, i) => callBytes(req.transport, i + 1))
  const latencies: number[] = []
  let errors = 0
  const t0 = performance.now()
  const measureFrom = t0 + req.warmupMs
  const stopAt = measureFrom + req.durationMs
  let counted = 0
  let total = 0
  const sockets = await Promise.all(Array.from({ length: req.conns }, () => connect(req.port)))
  const done = sockets.map(
    (s) =>
      new Promise<void>((resolve) => {
        const sent = new Float64Array(req.depth) // send times of calls in flight, FIFO
        let head = 0
        let inFlight = 0
        let next = 0
        let partial = 0
        const send = (n: number): void => {
          s.cork()
          const now = performance.now()
          for (let i = 0; i < n; i++) {
            sent[(head + inFlight) % req.depth] = now
            inFlight++
            s.write(templates[next] as Buffer)
            next = (next + 1) % ring
          }
          s.uncork()
        }
        s.on('data', (d: Buffer) => {
          partial += d.length
          const now = performance.now()
          let k = 0
          while (partial >= size) {
            partial -= size
            const started = sent[head] as number
            head = (head + 1) % req.depth
            inFlight--
            k++
            total++
            if (started >= measureFrom && now <= stopAt) {
              counted++
              if (latencies.length < 4_000_000) latencies.push(now - started)
            }
          }
          if (now < stopAt) send(k)
          else if (inFlight === 0) s.end()
        })
        s.on('error', () => errors++)
        s.on('close', () => resolve())
        send(req.depth)
      }),
  )
  const giveUp = setTimeout(() => sockets.forEach((s) => s.destroy()), req.warmupMs + req.durationMs + 2000)
  await Promise.all(done)
  clearTimeout(giveUp)
  latencies.sort((a, b) => a - b)
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  const seconds = req.durationMs / 1000
  return { calls: counted, total, seconds, throughput: counted / seconds, p50: q(0.5), p99: q(0.99), p999: q(0.999), errors }
}

if (process.send !== undefined) {
  process.on('message', (m: LoadRequest) => {
    runLoad(m).then(
      (r) => process.send?.({ ok: r }),
      (e: unknown) => process.send?.({ error: String(e) }),
    )
  })
}
