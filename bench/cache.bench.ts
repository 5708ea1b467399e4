// Read-cache bench, side by side in one run (issue 4): getUser(id) over 100k users, ids drawn from a
// zipf distribution, 16 connections each with one call in flight (a synchronous client), upstream
// with 2 ms artificial latency. Every party runs in its own process (this file, forked by role):
//   cap    direct calls to an upstream with NO artificial latency: what the load generator can do
//   a      direct calls to the 2 ms upstream
//   b      the usual hand-written alternative: the service's own handler does cache-aside against
//          Redis (GET; on a miss read the store (2 ms) and SET with a TTL)
//   c      thriftgate in front of the 2 ms upstream, Redis tier only
//   d      thriftgate, in-process tier + Redis, cold start (warmed by the --prewarm zipf calls only)
//   ds     (d) in steady state: warmed by one call for every key (shuffled) and then the same
//          --prewarm calls, so the cache holds the whole key set as a long-running sidecar's does
//   hit    thriftgate (d) with every call a hit (1,000 hot ids, warmed), to compare with `cap`
// Rounds interleave the modes; each cached mode starts cold (Redis flushed, proxy restarted), is
// warmed by the same --prewarm calls (the first ids of the zipf sequence), then runs --warmup ms
// unmeasured and --duration ms measured; every zipf mode measures the same id sequence. Medians
// over rounds. Besides throughput and latency it reports CPU per call of each process (load
// generator, proxy, upstream, Redis), which a shared machine disturbs far less than calls/s.
//
//   node --import tsx bench/cache.bench.ts [--runs=3] [--duration=3000] [--warmup=500] [--prewarm=200000]
//        [--conns=16] [--depth=1] [--keys=100000] [--zipf=1.0] [--latency=2] [--modes=cap,a,b,c,d,ds,hit]
//        [--prof-proxy=DIR]   (a V8 CPU profile of each proxy process into DIR)
//        [--redis-autopipeline=0]   (the proxy's Redis client without ioredis auto-pipelining)
//   BENCH_DEBUG=1 also prints the proxy's cache counters and latency quantiles per round.
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import v8 from 'node:v8'

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const role = arg('role', 'main')
const KEYS = Number(arg('keys', '100000'))
const LATENCY = Number(arg('latency', '2'))
/** The read rule's ttl in the thriftgate modes. */
const TTL_MS = 60_000

/**
 * Expected hit ratio of a TTL cache (no refresh on hit) in steady state: key k, asked at rate
 * λ = rate·p(k), misses once per cycle of ttl + 1/λ, so it hits λ·ttl/(1+λ·ttl) of its calls.
 */
function ttlHitRatio(rate: number, ttlS: number, n: number, s: number): number {
  let h = 0
  for (let k = 1; k <= n; k++) h += 1 / k ** s
  let hit = 0
  for (let k = 1; k <= n; k++) {
    const p = 1 / k ** s / h
    const lt = rate * p * ttlS
    hit += (p * lt) / (1 + lt)
  }
  return hit
}
const self = fileURLToPath(import.meta.url)

/** Tells the parent our port, answers stats/rss requests (with CPU time, GC time and event-loop delay). */
function serve(port: number, stats: () => object): void {
  let gcMs = 0
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcMs += e.duration
  }).observe({ entryTypes: ['gc'] })
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  process.send?.({ port })
  process.on('message', (m: { stats?: boolean }) => {
    if (m.stats !== true) return
    const cpu = process.cpuUsage()
    process.send?.({ ...stats(), rss: process.memoryUsage().rss, cpuUs: cpu.user + cpu.system, gcMs, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6 })
    loop.reset()
  })
  process.on('disconnect', () => process.exit(0))
}

// ---------------------------------------------------------------- upstreams
if (role === 'upstream') {
  const { startDemoUpstream } = await import('../proxy/demo/index.js')
  const up = await startDemoUpstream({ seed: KEYS, latencyMs: Number(arg('upstream-latency', '0')) })
  serve(up.port, () => ({ calls: up.stats.calls.getUser }))
}

if (role === 'aside') {
  // Cache-aside in the service's handler, as commonly hand-written: JSON in Redis, TTL on SET.
  const { UserStore, listenThrift, thriftLib } = await import('../proxy/demo/index.js')
  const require = createRequire(fileURLToPath(new URL('../proxy/demo/gen/UserService.js', import.meta.url)))
  const gen = require('./UserService.js') as { Processor: new (h: object) => { process(i: unknown, o: unknown): void } }
  const types = require('./user_types.js') as { User: new (a: object) => object; NotFound: new (a: object) => Error }
  const lib = thriftLib()
  const store = new UserStore()
  store.seedUsers(KEYS)
  const redis = new Redis(arg('redis', ''))
  let calls = 0
  let hits = 0
  let lookups = 0
  type Done = (err: unknown, r?: unknown) => void
  const handler = {
    getUser(id: unknown, done: Done) {
      lookups++
      const n = typeof id === 'number' ? BigInt(id) : lib.toBigInt(id as { buffer: Buffer })
      const key = `aside:user:${n}`
      redis.get(key).then(
        (cached) => {
          if (cached !== null) {
            hits++
            const u = JSON.parse(cached) as { id: string; name: string; email: string; age: number }
            done(null, new types.User({ ...u, id: lib.fromBigInt(BigInt(u.id)) }))
            return
          }
          setTimeout(() => {
            calls++
            const u = store.get(n)
            if (u === undefined) return done(new types.NotFound({ message: 'not found' }))
            void redis.set(key, JSON.stringify({ ...u, id: String(u.id) }), 'PX', 60_000)
            done(null, new types.User({ ...u, id: lib.fromBigInt(u.id) }))
          }, LATENCY)
        },
        (err: unknown) => done(err),
      )
    },
  }
  const l = await listenThrift(new gen.Processor(handler), { transport: 'framed', protocol: 'binary' })
  serve(l.port, () => ({ calls, hits, lookups }))
}

// ---------------------------------------------------------------- thriftgate
if (role === 'proxy') {
  const { ThriftProxy } = await import('../proxy/core/index.js')
  const { ThriftCache } = await import('../proxy/cache/index.js')
  const proxy = new ThriftProxy({ upstream: { host: '127.0.0.1', port: Number(arg('upstream', '0')) } })
  const ttl = { method: 'getUser', ttlMs: TTL_MS, graceMs: 0, keepMs: 60_000, negativeTtlMs: 0, negative: [], vary: [] }
  const services = new Map([['UserService', { name: 'UserService', timeoutsMs: new Map(), oneway: new Set<string>(), reads: new Map([['getUser', ttl]]), writes: new Map(), entities: new Map() }]])
  const cache = await ThriftCache.create({
    services,
    idl: undefined,
    memoryMaxBytes: Number(arg('memory', '0')),
    // --redis-autopipeline=0: the proxy's ioredis client without auto-pipelining (an experiment: the
    // shipped client pipelines, which keeps one pipeline in flight and queues the rest behind it).
    redis: {
      target: arg('redis-autopipeline', '1') === '0'
        ? { kind: 'client', client: new Redis(arg('redis', ''), { enableOfflineQueue: false, enableAutoPipelining: false, maxRetriesPerRequest: 1 }) }
        : { kind: 'url', url: arg('redis', '') },
      keyPrefix: 'tg:',
    },
    read: { fetch: (m) => proxy.pool.call(m) },
  })
  proxy.use(cache.handler)
  const { port } = await proxy.start()
  // BENCH_DEBUG: time in the proxy per outcome (local = answered by the cache, success = forwarded).
  const inProxy = new Map<string, number[]>()
  if (process.env.BENCH_DEBUG !== undefined) {
    const dc = await import('node:diagnostics_channel')
    const { CHANNEL_NAMES } = await import('../proxy/core/events.js')
    dc.subscribe(CHANNEL_NAMES.request, (e) => {
      const ev = e as { outcome: string; durationMs: number }
      const xs = inProxy.get(ev.outcome) ?? []
      if (xs.length < 1_000_000) xs.push(ev.durationMs)
      inProxy.set(ev.outcome, xs)
    })
  }
  // BENCH_DEBUG: socket writes to Redis (ioredis writes each pipeline, or each command, with one call).
  let redisWrites = 0
  if (process.env.BENCH_DEBUG !== undefined) {
    const stream = (cache.tiers.redis?.client as unknown as { stream?: { write: (...a: unknown[]) => boolean } } | undefined)?.stream
    if (stream !== undefined) {
      const write = stream.write.bind(stream)
      stream.write = (...a: unknown[]) => {
        redisWrites++
        return write(...a)
      }
    }
  }
  const inProxySummary = (): Record<string, string> => {
    const out: Record<string, string> = {}
    for (const [k, xs] of inProxy) {
      xs.sort((a, b) => a - b)
      const q = (p: number): string => (xs[Math.floor(p * (xs.length - 1))] as number).toFixed(2)
      out[k] = `n ${xs.length} mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)}`
    }
    inProxy.clear()
    const l = cache.metrics.redisLatency
    out.redis = `n ${l.count - redisSeen.count} mean ${((1000 * (l.sum - redisSeen.sum)) / Math.max(1, l.count - redisSeen.count)).toFixed(2)} writes ${redisWrites - redisSeen.writes}`
    redisSeen = { count: l.count, sum: l.sum, writes: redisWrites }
    return out
  }
  let redisSeen = { count: 0, sum: 0, writes: 0 }
  serve(port, () => {
    const m = cache.metrics
    const hits = m.hitsMemory + m.hitsRedis
    return { hits, misses: m.misses, total: hits + m.misses + m.coalescedWaits + m.staleServed, redisErrors: m.redisErrors + m.redisTimeouts, detail: { ...m, redisLatency: undefined, inProxy: inProxySummary(), heap: Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, Math.round(x.space_used_size / 2 ** 20)])), mem: process.memoryUsage(), lru: cache.tiers.local?.lru.stats(), argv: process.argv.slice(2) } }
  })
}

// ---------------------------------------------------------------- load generator
interface Load {
  port: number
  conns: number
  depth: number
  warmupMs: number
  durationMs: number
  /** Ids to call, in order (each connection starts at its own offset). */
  ids: 'zipf' | 'hot'
  zipf: number
  /** Calls made (ids[0..n)) before the timed part starts: the same warm-up for every cached mode. */
  prewarmCalls: number
  /** Only make the prewarm calls (the parent then snapshots counters before the timed part). */
  prewarmOnly?: boolean
  /** Before the prewarm calls, one call for every id 1..KEYS in a shuffled order (steady state). */
  prewarmEveryKey?: boolean
}
interface LoadResult {
  calls: number
  throughput: number
  p50: number
  p99: number
  errors: number
  /** Replies received in the warm-up and timed parts, and the load generator's CPU time for them. */
  replies: number
  cpuUs: number
}

/** Zipf(s) over 1..n by inverse CDF on a precomputed table; deterministic (fixed-seed xorshift). */
function zipfIds(n: number, s: number, count: number): Uint32Array {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k ** s
  let x = 0x9e3779b9
  const out = new Uint32Array(count)
  for (let i = 0; i < count; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const u = ((x >>> 0) / 2 ** 32) * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cdf[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    // Scatter ranks over the id space so hot keys are not all small ids.
    out[i] = 1 + ((lo * 7919) % n)
  }
  return out
}

/** 1..n in a shuffled order (Fisher-Yates, fixed-seed xorshift): every key once. */
function shuffledIds(n: number): Uint32Array {
  const out = Uint32Array.from({ length: n }, (_, i) => i + 1)
  let x = 0x2545f491
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const j = (x >>> 0) % (i + 1)
    const t = out[i] as number
    out[i] = out[j] as number
    out[j] = t
  }
  return out
}

/** getUser(id) framed, strict binary: frame len, 0x80010001, name, seqid, field 1 i64, STOP. */
function getUserCall(seqid: number, id: number): Buffer {
  const b = Buffer.allocUnsafe(4 + 4 + 4 + 7 + 4 + 11 + 1)
  b.writeInt32BE(b.length - 4, 0)
  b.writeUInt32BE(0x80010001, 4)
  b.writeInt32BE(7, 8)
  b.write('getUser', 12, 'latin1')
  b.writeInt32BE(seqid, 19)
  b.writeUInt8(10, 23)
  b.writeInt16BE(1, 24)
  b.writeBigInt64BE(BigInt(id), 26)
  b.writeUInt8(0, 34)
  return b
}

/**
 * Warms a cache with a fixed NUMBER of calls (not a time, so every cached mode starts its measured
 * part equally warm): ids[0..count) over `conns` connections, `depth` calls in flight on each.
 */
async function prewarm(port: number, ids: Uint32Array, count: number, conns = 32, depth = 4): Promise<void> {
  const per = Math.ceil(count / conns)
  await Promise.all(
    Array.from({ length: conns }, async (_, c) => {
      const from = c * per
      const to = Math.min(count, from + per)
      if (from >= to) return
      const s = net.connect({ port, host: '127.0.0.1', noDelay: true })
      await once(s, 'connect')
      let next = from
      let got = 0
      let pending: Buffer = Buffer.alloc(0)
      await new Promise<void>((resolve) => {
        s.on('data', (d: Buffer) => {
          pending = pending.length === 0 ? d : Buffer.concat([pending, d])
          while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
            pending = pending.subarray(4 + pending.readInt32BE(0))
            got++
            if (next < to) s.write(getUserCall(next, ids[next++] as number))
          }
          if (got === to - from) resolve()
        })
        for (let i = 0; i < depth && next < to; i++) s.write(getUserCall(next, ids[next++] as number))
      })
      s.destroy()
    }),
  )
}

async function runLoad(req: Load): Promise<LoadResult> {
  // hot: 1,000 ids drawn uniformly (zipf with s=0), so connections never walk in lockstep.
  const ids = req.ids === 'hot' ? zipfIds(1_000, 0, 400_000) : zipfIds(KEYS, req.zipf, 2_000_000)
  if (req.prewarmOnly === true) {
    if (req.ids === 'hot') await prewarm(req.port, Uint32Array.from({ length: 1_000 }, (_, i) => i + 1), 1_000)
    else {
      if (req.prewarmEveryKey === true) await prewarm(req.port, shuffledIds(KEYS), KEYS)
      await prewarm(req.port, ids, req.prewarmCalls)
    }
    return { calls: 0, throughput: 0, p50: 0, p99: 0, errors: 0, replies: 0, cpuUs: 0 }
  }
  const base = req.ids === 'hot' ? 0 : req.prewarmCalls
  const latencies: number[] = []
  let errors = 0
  let counted = 0
  let replies = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const measureFrom = t0 + req.warmupMs
  const stopAt = measureFrom + req.durationMs
  const sockets = await Promise.all(
    Array.from({ length: req.conns }, () => new Promise<net.Socket>((res, rej) => {
      const s = net.connect({ port: req.port, host: '127.0.0.1', noDelay: true }, () => res(s))
      s.once('error', rej)
    })),
  )
  const done = sockets.map((s, c) => new Promise<void>((resolve) => {
    const sentAt = new Map<number, number>()
    let seq = 0
    let cursor = base + Math.floor(((ids.length - base) / req.conns) * c)
    let pending: Buffer | undefined
    const send = (): void => {
      const id = ids[cursor++ % ids.length] as number
      seq = (seq + 1) & 0x7fffffff
      sentAt.set(seq, performance.now())
      s.write(getUserCall(seq, id))
    }
    s.on('data', (d: Buffer) => {
      let buf = pending === undefined ? d : Buffer.concat([pending, d])
      const now = performance.now()
      let off = 0
      let k = 0
      while (buf.length - off >= 4) {
        const len = buf.readInt32BE(off)
        if (buf.length - off < 4 + len) break
        // Replies may come out of order (hits overtake misses): match them by seqid.
        const type = buf.readUInt8(off + 7)
        const nameLen = buf.readInt32BE(off + 8)
        const seqid = buf.readInt32BE(off + 12 + nameLen)
        if (type !== 2) errors++
        const started = sentAt.get(seqid)
        sentAt.delete(seqid)
        if (started !== undefined && started >= measureFrom && now <= stopAt) {
          counted++
          if (latencies.length < 4_000_000) latencies.push(now - started)
        }
        off += 4 + len
        k++
        replies++
      }
      pending = off === buf.length ? undefined : buf.subarray(off)
      if (now < stopAt) for (let i = 0; i < k; i++) send()
      else if (sentAt.size === 0) s.end()
    })
    s.on('error', () => errors++)
    s.on('close', () => resolve())
    for (let i = 0; i < req.depth; i++) send()
  }))
  const giveUp = setTimeout(() => sockets.forEach((s) => s.destroy()), req.warmupMs + req.durationMs + 3000)
  await Promise.all(done)
  clearTimeout(giveUp)
  latencies.sort((a, b) => a - b)
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  const cpu = process.cpuUsage(cpu0)
  if (process.env.BENCH_DEBUG !== undefined) {
    const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)
    const slow = latencies.filter((x) => x > 1.5)
    process.stderr.write(`latency mean ${mean.toFixed(3)} ms; p10..p99 ${[0.1, 0.5, 0.8, 0.9, 0.95, 0.99].map((p) => q(p).toFixed(2)).join(' ')}; >1.5ms: ${((100 * slow.length) / Math.max(1, latencies.length)).toFixed(1)}% mean ${(slow.reduce((a, b) => a + b, 0) / Math.max(1, slow.length)).toFixed(2)} ms\n`)
  }
  return { calls: counted, throughput: counted / (req.durationMs / 1000), p50: q(0.5), p99: q(0.99), errors, replies, cpuUs: cpu.user + cpu.system }
}

if (role === 'loadgen') {
  process.on('message', (m: Load) => {
    runLoad(m).then((r) => process.send?.({ ok: r }), (e: unknown) => process.send?.({ error: String(e) }))
  })
  process.on('disconnect', () => process.exit(0))
}

// ---------------------------------------------------------------- orchestration
if (role === 'main') {
  const { startRedis } = await import('../test/support/redis.js')
  const runs = Number(arg('runs', '3'))
  const durationMs = Number(arg('duration', '3000'))
  const warmupMs = Number(arg('warmup', '500'))
  const prewarmCalls = Number(arg('prewarm', '200000'))
  const conns = Number(arg('conns', '16'))
  const depth = Number(arg('depth', '1'))
  const zipf = Number(arg('zipf', '1.0'))
  // Writes a V8 CPU profile of each proxy process (whole life: prewarm included) into this folder.
  const profDir = arg('prof-proxy', '')
  const redisServer = process.env.REDIS_URL === undefined ? await startRedis() : undefined
  const redisUrl = process.env.REDIS_URL ?? (redisServer as { url: string }).url
  const flush = new Redis(redisUrl)

  const start = async (r: string, extra: string[] = []): Promise<{ child: ChildProcess; port: number }> => {
    const prof = r === 'proxy' && profDir !== '' ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []
    const child = fork(self, [`--role=${r}`, `--keys=${KEYS}`, `--latency=${LATENCY}`, `--redis=${redisUrl}`, ...extra], { execArgv: ['--import', 'tsx', ...prof], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const [m] = (await once(child, 'message')) as [{ port: number }]
    return { child, port: m.port }
  }
  const ask = <T>(child: ChildProcess, msg: object): Promise<T> => {
    child.send(msg)
    return once(child, 'message').then(([m]) => m as T)
  }
  const stats = (c: ChildProcess): Promise<Record<string, number>> => ask(c, { stats: true })
  const loadgen = fork(self, ['--role=loadgen', `--keys=${KEYS}`], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const fast = await start('upstream', ['--upstream-latency=0'])
  const slow = await start('upstream', [`--upstream-latency=${LATENCY}`])
  const aside = await start('aside')

  const allModes = ['cap', 'a', 'b', 'c', 'd', 'ds', 'hit'] as const
  type Mode = (typeof allModes)[number]
  const modes = arg('modes', allModes.join(',')).split(',').filter((m): m is Mode => (allModes as readonly string[]).includes(m))
  interface Sample extends LoadResult {
    hitRatio: number
    saved: number
    rss: number
    /** CPU µs per call (warm-up and timed part) of each process on the path; NaN when not on it. */
    cpu: { loadgen: number; proxy: number; upstream: number; redis: number }
    gcMs: number
    loopMaxMs: number
  }
  const redisCpuUs = async (): Promise<number> => {
    const info = await flush.info('cpu')
    const num = (k: string): number => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? NaN)
    return (num('used_cpu_user') + num('used_cpu_sys')) * 1e6
  }
  const samples = new Map<Mode, Sample[]>(modes.map((m) => [m, []]))

  for (let r = 0; r < runs; r++) {
    for (const mode of modes) {
      await flush.flushdb()
      let proxy: { child: ChildProcess; port: number } | undefined
      let port: number
      let upstream = slow.child
      if (mode === 'cap') [port, upstream] = [fast.port, fast.child]
      else if (mode === 'a') port = slow.port
      else if (mode === 'b') [port, upstream] = [aside.port, aside.child]
      else {
        proxy = await start('proxy', [`--upstream=${slow.port}`, `--memory=${mode === 'c' ? 0 : 64 << 20}`, `--redis-autopipeline=${arg('redis-autopipeline', '1')}`])
        port = proxy.port
      }
      const load: Load = { port, conns, depth, zipf, durationMs, warmupMs, prewarmCalls: mode === 'cap' || mode === 'a' ? 0 : prewarmCalls, ids: mode === 'hit' ? 'hot' : 'zipf', prewarmEveryKey: mode === 'ds' }
      const w0 = performance.now()
      if (mode !== 'cap' && mode !== 'a') await ask(loadgen, { ...load, prewarmOnly: true })
      const prewarmS = (performance.now() - w0) / 1000
      const up0 = await stats(upstream)
      const px0 = proxy === undefined ? undefined : await stats(proxy.child)
      const rc0 = await redisCpuUs()
      const out = await ask<{ ok?: LoadResult; error?: string }>(loadgen, load)
      if (out.ok === undefined) throw new Error(`${mode}: ${out.error}`)
      const up1 = await stats(upstream)
      const rc1 = await redisCpuUs()
      const n = Math.max(1, out.ok.replies)
      const cpu = { loadgen: out.ok.cpuUs / n, proxy: NaN, upstream: (up1.cpuUs! - up0.cpuUs!) / n, redis: mode === 'cap' || mode === 'a' ? NaN : (rc1 - rc0) / n }
      let gcMs = NaN
      let loopMaxMs = NaN
      let hitRatio = 0
      let rss = NaN
      // Upstream (store) calls avoided per client call, after the prewarm (warm-up and timed part).
      const calls = up1.calls! - up0.calls!
      let total = calls
      if (proxy !== undefined && px0 !== undefined) {
        const p = await stats(proxy.child)
        const hits = p.hits! - px0.hits!
        hitRatio = hits / Math.max(1, hits + p.misses! - px0.misses!)
        total = p.total! - px0.total!
        rss = p.rss!
        cpu.proxy = (p.cpuUs! - px0.cpuUs!) / n
        gcMs = p.gcMs! - px0.gcMs!
        loopMaxMs = p.loopMaxMs!
        if (process.env.BENCH_DEBUG !== undefined) process.stderr.write(`${JSON.stringify(p.detail)}\n`)
        proxy.child.disconnect()
      } else if (mode === 'b') {
        hitRatio = (up1.hits! - up0.hits!) / Math.max(1, up1.lookups! - up0.lookups!)
        total = up1.lookups! - up0.lookups!
      }
      const saved = mode === 'cap' || mode === 'a' ? 0 : 1 - calls / Math.max(1, total)
      samples.get(mode)?.push({ ...out.ok, hitRatio, saved, rss, cpu, gcMs, loopMaxMs })
      const us = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1))
      process.stderr.write(
        `round ${r + 1}/${runs} ${mode}: ${Math.round(out.ok.throughput)} calls/s, p50 ${out.ok.p50.toFixed(3)} ms, p99 ${out.ok.p99.toFixed(3)} ms, hits ${(100 * hitRatio).toFixed(1)}%; ` +
          `CPU µs/call loadgen ${us(cpu.loadgen)} proxy ${us(cpu.proxy)} upstream ${us(cpu.upstream)} redis ${us(cpu.redis)}; proxy GC ${us(gcMs)} ms, max loop delay ${us(loopMaxMs)} ms; prewarm ${prewarmS.toFixed(1)} s\n`,
      )
    }
  }

  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b)
    const m = s.length >> 1
    return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
  }
  const label: Record<Mode, string> = {
    cap: 'cap: direct, upstream without latency',
    a: '(a) direct, 2 ms upstream',
    b: '(b) cache-aside in the handler (Redis)',
    c: '(c) thriftgate, Redis only',
    d: '(d) thriftgate, in-process + Redis, cold start',
    ds: '(d) thriftgate, in-process + Redis, steady state',
    hit: 'thriftgate (d), all hits (1,000 hot ids)',
  }
  const base = modes.includes('a') ? med(samples.get('a')!.map((s) => s.throughput)) : NaN
  console.log(`\ngetUser over ${KEYS} users, zipf s=${zipf}, ${conns} connections x ${depth} in flight, upstream +${LATENCY} ms; median of ${runs} runs\n`)
  console.log('| mode | calls/s | vs (a) | p50 ms | p99 ms | hit ratio | upstream calls saved | proxy RSS MB | errors |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const mode of modes) {
    const s = samples.get(mode)!
    const tp = med(s.map((x) => x.throughput))
    const rss = med(s.map((x) => x.rss))
    console.log(
      `| ${label[mode]} | ${Math.round(tp).toLocaleString('en-US')} | ${(tp / base).toFixed(2)}x | ${med(s.map((x) => x.p50)).toFixed(3)} | ${med(s.map((x) => x.p99)).toFixed(3)} | ` +
        `${mode === 'cap' || mode === 'a' ? '-' : `${(100 * med(s.map((x) => x.hitRatio))).toFixed(1)}%`} | ${mode === 'cap' || mode === 'a' ? '-' : `${(100 * med(s.map((x) => x.saved))).toFixed(1)}%`} | ` +
        `${Number.isNaN(rss) ? '-' : (rss / 2 ** 20).toFixed(0)} | ${s.reduce((n, x) => n + x.errors, 0)} |`,
    )
  }
  console.log(`\nWarm-up before the measured part (Redis flushed and proxy restarted first): cold start = the first ${prewarmCalls.toLocaleString('en-US')} calls of the zipf sequence;`)
  console.log(`steady state = one call for every one of the ${KEYS.toLocaleString('en-US')} ids in a shuffled order, then the same ${prewarmCalls.toLocaleString('en-US')} zipf calls, so the`)
  console.log(`cache holds the whole key set, as a long-running sidecar's does once every key was read within one TTL (${TTL_MS / 1000} s). Both measure the same calls.`)
  if (modes.includes('ds')) {
    const tp = med(samples.get('ds')!.map((x) => x.throughput))
    console.log(`Not in the steady-state row: expiry. Entries are younger than the TTL for the whole measured part; a sidecar at ${Math.round(tp).toLocaleString('en-US')} calls/s`)
    console.log(`also misses once per key per TTL, which with zipf s=${zipf} over ${KEYS.toLocaleString('en-US')} ids gives an expected hit ratio of ${(100 * ttlHitRatio(tp, TTL_MS / 1000, KEYS, zipf)).toFixed(1)}% (Poisson arrivals).`)
  }
  console.log('\nCPU per call (µs, warm-up and measured part; all four processes share the 2 cores), proxy GC time and largest event-loop delay:\n')
  console.log('| mode | load generator | proxy | upstream | Redis | total | proxy GC ms | proxy max loop delay ms |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|')
  for (const mode of modes) {
    const s = samples.get(mode)!
    const c = (k: keyof Sample['cpu']): number => med(s.map((x) => x.cpu[k]))
    const f = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1))
    const total = [c('loadgen'), c('proxy'), c('upstream'), c('redis')].filter((x) => !Number.isNaN(x)).reduce((a, b) => a + b, 0)
    console.log(`| ${label[mode]} | ${f(c('loadgen'))} | ${f(c('proxy'))} | ${f(c('upstream'))} | ${f(c('redis'))} | ${f(total)} | ${f(med(s.map((x) => x.gcMs)))} | ${f(med(s.map((x) => x.loopMaxMs)))} |`)
  }
  flush.disconnect()
  for (const c of [loadgen, fast.child, slow.child, aside.child]) c.disconnect()
  await redisServer?.stop()
}
