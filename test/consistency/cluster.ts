// The topology of a consistency run, every part its own process so the nemesis can kill -9 and
// SIGSTOP it: one redis-server, one upstream (test/consistency/upstream.ts, logging every write it
// applies) and N thriftgate processes (`thriftgate serve`, the real CLI) with the cache and the
// index configured, each with its own RocksDB directory, all sharing the Redis. Ports are fixed
// for the run, so a restarted process comes back where clients expect it.
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServe, type Served } from '../cli/spawn.js'
import { freePort, sleep } from '../support/net.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { tempDir } from '../support/tmp.js'
import type { Target } from './model.js'
import { ENTITIES } from '../index/harness.js'

const UPSTREAM_MAIN = fileURLToPath(new URL('./upstream.ts', import.meta.url))
const IDL = fileURLToPath(new URL('../../config/demo/user.thrift', import.meta.url))

export interface ClusterOptions {
  proxies: number
  keys: number
  /** getUser ttl in the proxies' config (the documented bound on staleness during a Redis outage). */
  ttl: string
  /** Also cache getUserByEmail (a point lookup the index invalidates by old and new values). */
  cacheLookups: boolean
}

/** A process the nemesis can act on. */
export interface Member {
  readonly target: Target
  readonly pid: number
  kill(): Promise<void>
  restart(): Promise<void>
  pause(): void
  resume(): void
}

export interface Cluster {
  readonly redis: RedisServer
  readonly upstreamPort: number
  readonly proxyPorts: readonly number[]
  readonly members: readonly Member[]
  /** The upstream's log file (one AppliedWrite per line). */
  readonly logFile: string
  /** Asks each live proxy to backfill the index (regains authority lost to unknown write outcomes). */
  backfillAll(): Promise<void>
  /** Waits until every proxy's index is authoritative (or the timeout passes); returns whether it is. */
  waitAuthoritative(timeoutMs: number): Promise<boolean>
  stop(): Promise<void>
}

function configYaml(opts: { listen: number; upstream: number; redisUrl: string; indexDir: string; ttl: string; cacheLookups: boolean }): string {
  return `listen: 127.0.0.1:${opts.listen}
upstream: 127.0.0.1:${opts.upstream}
admin: 127.0.0.1:0
log: { level: info }
idl: [${JSON.stringify(IDL)}]
timeouts: { connect: 1s, request: 2s }
drain: { deadline: 1s }
cache:
  memory: { maxBytes: 8MiB }
  redis: { url: "${opts.redisUrl}/0", keyPrefix: "tgc:" }
index: { path: ${JSON.stringify(opts.indexDir)}, autoBackfill: true, replication: { stream: "tgc:index" } }
services:
  UserService:
    reads:
      getUser: { ttl: ${opts.ttl}, negativeTtl: ${opts.ttl}, negative: [notFound] }
${opts.cacheLookups ? `      getUserByEmail: { ttl: ${opts.ttl}, negativeTtl: ${opts.ttl}, negative: [notFound] }\n` : ''}    writes:
      putUser:    { invalidates: ["getUser(id: u.id)"] }
      deleteUser: { invalidates: ["getUser(id: id)"] }${ENTITIES}`
}

class UpstreamProcess implements Member {
  readonly target = 'upstream' as const
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()

  constructor(
    private readonly port: number,
    private readonly logFile: string,
    private readonly keys: number,
  ) {}

  get pid(): number {
    return this.child?.pid ?? -1
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', UPSTREAM_MAIN, '--port', String(this.port), '--log', this.logFile, '--keys', String(this.keys)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()))
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        out += d
        if (out.includes('ready')) resolve()
      })
      void this.exited.then(() => reject(new Error(`consistency upstream exited during start: ${stderr}`)))
    })
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL')
    await this.exited
  }

  async restart(): Promise<void> {
    await this.kill()
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.start()
      } catch (err) {
        if (attempt >= 5) throw err
        await sleep(100)
      }
    }
  }

  pause(): void {
    this.child?.kill('SIGSTOP')
  }

  resume(): void {
    this.child?.kill('SIGCONT')
  }

  async stop(): Promise<void> {
    this.resume()
    this.child?.kill('SIGTERM')
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 3000)
    await this.exited
    clearTimeout(timer)
  }
}

class ProxyProcess implements Member {
  served: Served | undefined

  constructor(
    readonly target: Target,
    private readonly configFile: string,
  ) {}

  get pid(): number {
    return this.served?.child.pid ?? -1
  }

  get adminPort(): number | undefined {
    return this.served?.adminPort
  }

  async start(): Promise<void> {
    this.served = await startServe(['--config', this.configFile])
  }

  async kill(): Promise<void> {
    const s = this.served
    if (s === undefined) return
    s.child.kill('SIGKILL')
    await s.exited
  }

  async restart(): Promise<void> {
    await this.kill()
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.start()
      } catch (err) {
        // The killed process's RocksDB lock and port are released with it, but give the OS a moment.
        if (attempt >= 5) throw err
        await sleep(200)
      }
    }
  }

  pause(): void {
    this.served?.child.kill('SIGSTOP')
  }

  resume(): void {
    this.served?.child.kill('SIGCONT')
  }

  async stop(): Promise<void> {
    const s = this.served
    if (s === undefined) return
    this.resume()
    s.child.kill('SIGTERM')
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 5000)
    await s.exited
    clearTimeout(timer)
  }
}

class RedisMember implements Member {
  readonly target = 'redis' as const
  constructor(private readonly r: RedisServer) {}
  get pid(): number {
    return this.r.pid
  }
  kill(): Promise<void> {
    return this.r.kill('SIGKILL')
  }
  restart(): Promise<void> {
    return this.r.restart()
  }
  pause(): void {
    this.r.pause()
  }
  resume(): void {
    this.r.resume()
  }
}

async function adminFetch(port: number | undefined, path: string, method = 'GET'): Promise<unknown> {
  if (port === undefined) return undefined
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(2000) })
    return (await res.json()) as unknown
  } catch {
    return undefined // a paused or restarting proxy: the caller tries again later
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dir = tempDir('thriftgate-consistency-')
  const redis = await startRedis()
  const upstreamPort = await freePort()
  const logFile = join(dir.path, 'upstream.log')
  const upstream = new UpstreamProcess(upstreamPort, logFile, opts.keys)
  await upstream.start()
  const proxies: ProxyProcess[] = []
  const proxyPorts: number[] = []
  for (let i = 0; i < opts.proxies; i++) {
    const listen = await freePort()
    const file = join(dir.path, `proxy${i}.yaml`)
    writeFileSync(file, configYaml({ listen, upstream: upstreamPort, redisUrl: redis.url, indexDir: join(dir.path, `index${i}`), ttl: opts.ttl, cacheLookups: opts.cacheLookups }))
    const p = new ProxyProcess(`proxy${i}`, file)
    await p.start()
    proxies.push(p)
    proxyPorts.push(listen)
  }
  const members: Member[] = [new RedisMember(redis), upstream, ...proxies]
  return {
    redis,
    upstreamPort,
    proxyPorts,
    members,
    logFile,
    async backfillAll() {
      await Promise.all(proxies.map((p) => adminFetch(p.adminPort, '/index/backfill?entity=User', 'POST')))
    },
    async waitAuthoritative(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const stats = await Promise.all(proxies.map((p) => adminFetch(p.adminPort, '/index/stats')))
        const ok = stats.every((s) => (s as { entities?: Array<{ authoritative?: boolean }> } | undefined)?.entities?.[0]?.authoritative === true)
        if (ok) return true
        if (Date.now() > deadline) return false
        await sleep(100)
      }
    },
    async stop() {
      await Promise.all(proxies.map((p) => p.stop()))
      await upstream.stop()
      redis.resume()
      await redis.stop()
      dir.cleanup()
    },
  }
}
