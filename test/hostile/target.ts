// The system under hostile load, each part in its own process so a crash is seen as a crash: a
// private redis-server, the demo UserService upstream (framed/binary), and `thriftgate serve` with
// the demo's cache and index config (in-process tier, Redis tier, RocksDB index in a temp dir).
// Samples the proxy's RSS, heap, open file descriptors, Redis memory and the index's size on disk.
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cleanEnv, REPO, spawnCli } from '../cli/spawn.js'
import { freePort, sleep, waitForPort } from '../support/net.js'
import { redisCommand } from '../support/redis-command.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import type { PeerDialect } from '../support/thrift-lib.js'
import { tempDir, type TempDir } from '../support/tmp.js'
import { ENTITIES } from '../index/harness.js'

const UPSTREAM_MAIN = fileURLToPath(new URL('../../proxy/demo/upstream.ts', import.meta.url))

export interface TargetOptions {
  /** Users 1..seed in the upstream's store. */
  readonly seed: number
  /** cache.memory.maxBytes, e.g. "4MiB". */
  readonly memoryTier: string
  /** limits.maxFrameSize in bytes. */
  readonly maxFrameSize: number
  /** The demo upstream's dialect (default framed/binary); clients that must be answered speak it too. */
  readonly upstream?: Required<PeerDialect>
  /** getUser's ttl (short ttls keep the tiers churning). */
  readonly ttl?: string
  /** index.writeBufferSize (default: the config default, 16MiB). */
  readonly writeBufferSize?: string
}

export interface Sample {
  readonly t: number
  readonly rssBytes: number
  readonly heapUsedBytes: number
  /** The V8 heap's reserved size (what it holds of RSS), used or not. */
  readonly heapTotalBytes: number
  /** thriftgate_index_memory_bytes summed: memtables, block cache, table readers, slot memo. */
  readonly indexMemoryBytes: number
  readonly fds: number
  readonly redisUsedBytes: number
  readonly indexDirBytes: number
  /** CPU seconds (user + system) used so far by the proxy and by the upstream. */
  readonly proxyCpuS: number
  readonly upstreamCpuS: number
}

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface Target {
  readonly port: number
  readonly upstreamDialect: Required<PeerDialect>
  readonly adminPort: number
  readonly upstreamPort: number
  readonly pid: number
  readonly redis: RedisServer
  readonly indexDir: string
  /** Set once the proxy process exited (it must not, until stop()). */
  readonly exit: Exit | undefined
  readonly upstreamExit: Exit | undefined
  /** Fatal/error log lines of the proxy (bounded) and the tail of its stderr. */
  readonly problems: readonly string[]
  stderrTail(): string
  sample(): Promise<Sample>
  metric(name: string): Promise<number>
  stop(): Promise<void>
}

function config(o: TargetOptions, upstreamPort: number, redisUrl: string, indexDir: string): string {
  return `listen: 127.0.0.1:0
upstream: 127.0.0.1:${upstreamPort}
admin: 127.0.0.1:0
log: { level: info }
idl: [user.thrift]
timeouts: { connect: 2s, request: 5s }
drain: { deadline: 2s }
limits: { maxFrameSize: ${o.maxFrameSize}, maxDepth: 64 }
cache:
  memory: { maxBytes: ${o.memoryTier} }
  redis: { url: "${redisUrl}", keyPrefix: "tg:", timeout: 200ms }
index: { path: "${indexDir}", autoBackfill: true${o.writeBufferSize === undefined ? '' : `, writeBufferSize: ${o.writeBufferSize}`} }
services:
  UserService:
    reads:
      getUser:    { ttl: ${o.ttl ?? '60s'}, grace: 1s, negativeTtl: 5s, negative: [notFound] }
      countUsers: { ttl: 1s }
    writes:
      putUser:    { invalidates: ["getUser(id: u.id)", countUsers] }
      deleteUser: { invalidates: ["getUser(id: id)", countUsers] }${ENTITIES}`
}

function watchExit(child: ChildProcess): { get: () => Exit | undefined; done: Promise<Exit> } {
  let exit: Exit | undefined
  const done = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => {
      exit = { code, signal }
      resolve(exit)
    }),
  )
  return { get: () => exit, done }
}

async function startUpstream(seed: number, d: Required<PeerDialect>): Promise<{ child: ChildProcess; port: number }> {
  const dialect = ['--transport', d.transport, '--protocol', d.protocol, ...(d.multiplexed ? ['--multiplexed'] : [])]
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const child = spawn(process.execPath, ['--import', 'tsx', UPSTREAM_MAIN, '--port', String(port), '--seed', String(seed), ...dialect], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] })
    const gone = new Promise<void>((resolve) => child.once('close', () => resolve()))
    const up = await Promise.race([waitForPort(port, { timeoutMs: 30_000 }).then(() => true), gone.then(() => false)])
    if (up) return { child, port }
    if (attempt >= 3) throw new Error('demo upstream did not start')
  }
}

function dirBytes(path: string): number {
  let total = 0
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name)
    try {
      total += e.isDirectory() ? dirBytes(p) : statSync(p).size
    } catch {
      // RocksDB removed the file while we walked (compaction): not counted
    }
  }
  return total
}

function cpuSeconds(pid: number): number {
  try {
    // /proc/PID/stat: fields 14 and 15 are utime and stime in clock ticks (100 per second on Linux);
    // the command name (field 2) may hold spaces, so count from the closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? 0 : Number(m[1])
}

export async function startTarget(o: TargetOptions): Promise<Target> {
  const dir: TempDir = tempDir('thriftgate-hostile-')
  const indexDir = join(dir.path, 'index')
  const redis = await startRedis()
  const upstreamDialect: Required<PeerDialect> = o.upstream ?? { transport: 'framed', protocol: 'binary', multiplexed: false }
  const upstream = await startUpstream(o.seed, upstreamDialect)
  const upExit = watchExit(upstream.child)
  let upErr = ''
  upstream.child.stderr?.setEncoding('utf8').on('data', (d: string) => (upErr = (upErr + d).slice(-4000)))
  copyFileSync(join(REPO, 'config/demo/user.thrift'), join(dir.path, 'user.thrift'))
  const file = join(dir.path, 'thriftgate.yaml')
  writeFileSync(file, config(o, upstream.port, redis.url, indexDir))

  // Our own reader of the proxy's stdout: counts lines instead of keeping them (a long fuzz run logs a lot).
  const child = spawnCli(['serve', '--config', file, '--log-level', 'info'], cleanEnv())
  const exit = watchExit(child)
  const problems: string[] = []
  const tail: string[] = []
  let stderr = ''
  let partial = ''
  let started: ((l: Record<string, unknown>) => void) | undefined
  const startedP = new Promise<Record<string, unknown>>((resolve) => (started = resolve))
  // The first lines of a fatal error say what failed (V8's "Check failed: ..."), the last ones where.
  let stderrHead = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderrHead.length < 4000) stderrHead = (stderrHead + d).slice(0, 4000)
    stderr = (stderr + d).slice(-8000)
  })
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      tail.push(line.slice(0, 1000))
      if (tail.length > 20) tail.shift()
      let rec: Record<string, unknown>
      try {
        rec = JSON.parse(line) as Record<string, unknown>
      } catch {
        problems.push(`not JSON: ${line.slice(0, 300)}`)
        continue
      }
      if (rec.msg === 'thriftgate started') started?.(rec)
      // pino levels: 50 error, 60 fatal
      if ((rec.level === 'error' || rec.level === 'fatal') && problems.length < 50) problems.push(line.slice(0, 2000))
    }
  })
  const first = await Promise.race([startedP, exit.done.then((e) => e)])
  if (!('msg' in first)) throw new Error(`thriftgate exited (${first.code ?? first.signal}) during startup: ${stderr}`)
  const port = Number(String(first.listen).split(':').pop())
  const adminPort = Number(String(first.admin).split(':').pop())
  const pid = child.pid ?? 0

  const metricsText = async (): Promise<string> => {
    const r = await fetch(`http://127.0.0.1:${adminPort}/metrics`)
    return r.text()
  }
  const metric = async (name: string): Promise<number> => {
    const text = await metricsText()
    let sum = 0
    for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
    return sum
  }
  const t0 = Date.now()
  let stopped = false
  return {
    port,
    upstreamDialect,
    adminPort,
    upstreamPort: upstream.port,
    pid,
    redis,
    indexDir,
    get exit() {
      return exit.get()
    },
    get upstreamExit() {
      return upExit.get()
    },
    problems,
    stderrTail: () => `proxy stdout (last lines):\n${tail.join('\n')}\nproxy stderr: ${stderrHead.length < 4000 ? stderrHead : `${stderrHead}\n…\n${stderr.slice(-3000)}`}\nupstream stderr: ${upErr.slice(-1000)}`,
    metric,
    async sample(): Promise<Sample> {
      const info = String(await redisCommand(redis.port, ['INFO', 'memory'], { timeoutMs: 2000 }))
      const used = /used_memory:(\d+)/.exec(info)
      return {
        t: (Date.now() - t0) / 1000,
        rssBytes: statusKb(pid, 'VmRSS') * 1024,
        heapUsedBytes: await metric('nodejs_heap_size_used_bytes'),
        heapTotalBytes: await metric('nodejs_heap_size_total_bytes'),
        indexMemoryBytes: await metric('thriftgate_index_memory_bytes'),
        fds: readdirSync(`/proc/${pid}/fd`).length,
        redisUsedBytes: used === null ? 0 : Number(used[1]),
        indexDirBytes: dirBytes(indexDir),
        proxyCpuS: cpuSeconds(pid),
        upstreamCpuS: cpuSeconds(upstream.child.pid ?? 0),
      }
    },
    async stop() {
      if (stopped) return
      stopped = true
      if (exit.get() === undefined) {
        child.kill('SIGTERM')
        const t = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exit.done
        clearTimeout(t)
      }
      if (upExit.get() === undefined) {
        upstream.child.kill('SIGTERM')
        const t = setTimeout(() => upstream.child.kill('SIGKILL'), 3000)
        await upExit.done
        clearTimeout(t)
      }
      await redis.stop()
      await sleep(0)
      dir.cleanup()
    },
  }
}

/** "framed/binary", "header/compact+mux", ... (the names dialectName gives) back into a dialect. */
export function parseDialect(s: string): Required<PeerDialect> {
  const m = /^(framed|buffered|header)\/(binary|compact)(\+mux)?$/.exec(s)
  if (m === null) throw new Error(`not a dialect: ${s} (framed|buffered|header / binary|compact, +mux for multiplexed)`)
  return { transport: m[1] as PeerDialect['transport'], protocol: m[2] as PeerDialect['protocol'], multiplexed: m[3] !== undefined }
}
