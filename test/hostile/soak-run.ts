// Steady load with churn through thriftgate (cache: in-process tier smaller than the key space plus
// Redis; index: RocksDB), shared by the CI test (test/hostile/soak.test.ts) and bench/soak.bench.ts.
// Workers open a connection, make a random number of calls, close it and open another; reads
// (getUser over the whole key space, email and age lookups through the index) and writes (putUser on
// the worker's own ids, read back at once) are checked. The proxy's resources are sampled meanwhile.
import { connectUserClient, type UserClient } from '../support/thrift-clients.js'
import { i64, toBigInt } from '../support/thrift-peers.js'
import type { Sample, Target } from './target.js'

export interface SoakOptions {
  /** Users 1..keySpace exist upstream; reads pick any of them. */
  readonly keySpace: number
  readonly seconds: number
  readonly workers: number
  /** Pause between one worker's calls (sets the load; keep it light on a shared machine). */
  readonly pauseMs: number
  /** Calls per connection: uniform in [min, max]; then the connection is closed and another opened. */
  readonly callsPerConnection: readonly [number, number]
  readonly sampleEveryMs: number
  readonly seed: number
  readonly progress?: (line: string) => void
}

export interface SoakReport {
  readonly calls: number
  readonly writes: number
  readonly connections: number
  readonly errors: readonly string[]
  readonly errorCount: number
  readonly samples: readonly Sample[]
}

/** mulberry32: a small seeded generator, so a soak's sequence of calls is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export async function runSoak(target: Target, o: SoakOptions): Promise<SoakReport> {
  const errors: string[] = []
  let errorCount = 0
  let calls = 0
  let writes = 0
  let connections = 0
  const samples: Sample[] = []
  const deadline = Date.now() + o.seconds * 1000
  const fail = (what: string): void => {
    errorCount++
    if (errors.length < 20) errors.push(what)
  }
  const sampleOnce = async (): Promise<void> => {
    try {
      samples.push(await target.sample())
    } catch (err) {
      fail(`sampling failed: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  const worker = async (w: number): Promise<void> => {
    const rand = rng(o.seed * 1000 + w)
    const pick = (n: number): number => Math.floor(rand() * n)
    let k = 0
    while (Date.now() < deadline && target.exit === undefined) {
      let c: UserClient
      try {
        c = await connectUserClient(target.port, target.upstreamDialect)
        connections++
      } catch (err) {
        fail(`connect: ${err instanceof Error ? err.message : String(err)}`)
        await new Promise((r) => setTimeout(r, 500))
        continue
      }
      const [lo, hi] = o.callsPerConnection
      const n = lo + pick(hi - lo + 1)
      for (let i = 0; i < n && Date.now() < deadline; i++, k++) {
        const dice = rand()
        try {
          if (dice < 0.1) {
            // A write to one of this worker's own ids (id ≡ w mod workers), read back at once: no stale read.
            const id = 1 + w + o.workers * pick(Math.floor(o.keySpace / o.workers))
            const name = `w${w}-${k}`
            await c.putUser({ id: i64(id), name, email: `user${id}@example.com`, age: 18 + (id % 73), tags: [] })
            const back = await c.getUser(i64(id))
            if (back.name !== name) fail(`getUser(${id}) after putUser = ${back.name}, wrote ${name}`)
            writes++
            calls += 2
          } else if (dice < 0.2) {
            const id = 1 + pick(o.keySpace)
            const u = await c.getUserByEmail(`user${id}@example.com`)
            if (toBigInt(u.id) !== BigInt(id)) fail(`getUserByEmail(user${id}) = ${toBigInt(u.id)}`)
            calls++
          } else if (dice < 0.3) {
            const age = 18 + pick(73)
            const us = await c.listUsersByAge(age, age, 5)
            if (us.some((u) => u.age !== age)) fail(`listUsersByAge(${age}) returned other ages`)
            calls++
          } else {
            const id = 1 + pick(o.keySpace)
            const u = await c.getUser(i64(id))
            if (toBigInt(u.id) !== BigInt(id)) fail(`getUser(${id}) = ${toBigInt(u.id)}`)
            calls++
          }
        } catch (err) {
          fail(`call failed: ${err instanceof Error ? err.message : String(err)}`)
        }
        if (o.pauseMs > 0) await new Promise((r) => setTimeout(r, o.pauseMs))
      }
      await c.close().catch(() => undefined)
    }
  }

  await sampleOnce()
  const sampler = setInterval(() => {
    void sampleOnce()
    o.progress?.(`${calls} calls, ${writes} writes, ${connections} connections, ${errorCount} errors`)
  }, o.sampleEveryMs)
  await Promise.all(Array.from({ length: o.workers }, (_, w) => worker(w)))
  clearInterval(sampler)
  if (target.exit !== undefined) fail(`the proxy exited (${target.exit.code ?? target.exit.signal})\n${target.stderrTail()}`)
  for (const p of target.problems) fail(`proxy logged: ${p}`)
  // Our last connections close; then one more sample.
  await new Promise((r) => setTimeout(r, 1000))
  if (target.exit === undefined) await sampleOnce()
  return { calls, writes, connections, errors, errorCount, samples }
}
