// Real redis-server processes for tests: private ones on free loopback ports (no persistence, a
// temp dir each), a shared one per test process (or REDIS_URL), and small clusters. Every process
// we start is killed when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort, LOOPBACK, sleep } from './net.js'
import { redisCommand, RedisReplyError } from './redis-command.js'
import { tempDir, type TempDir } from './tmp.js'

export const HOW_TO_GET_REDIS = 'apt-get install redis-server, or set REDIS_URL=redis://host:port'

const live = new Set<ChildProcess>()
let hooked = false

function killAllNow(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
  live.clear()
}

function hookExit(): void {
  if (hooked) return
  hooked = true
  process.on('exit', killAllNow)
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAllNow()
      process.kill(process.pid, sig)
    })
  }
}

export interface RedisServer {
  readonly url: string
  readonly host: string
  readonly port: number
  /** The current process id (changes on restart). */
  readonly pid: number
  readonly dir: string
  /** Graceful stop (SIGTERM, SIGKILL after 5 s); idempotent. */
  stop(): Promise<void>
  /** Sends a signal (default SIGKILL) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** SIGSTOP: the server stops answering but keeps its connections open. */
  pause(): void
  /** SIGCONT. */
  resume(): void
  /** Stops (if running) and starts again on the same port, same args; data is lost (no persistence). */
  restart(): Promise<void>
  /** The last lines redis-server wrote (for failure messages). */
  log(): string
  /** The TLS port, when started with `tls` (the plain port stays open on loopback for the helpers). */
  readonly tlsPort: number | undefined
}

export interface StartRedisOptions {
  /** Extra redis-server arguments, e.g. ['--maxmemory', '10mb']. */
  args?: string[]
  /** Use this port instead of a free one (restart uses it). */
  port?: number
  /** requirepass: clients must AUTH (the default user's password). */
  password?: string
  /** ACL users, each as redis.conf writes them, e.g. 'app on >secret ~* &* +@all'. */
  users?: string[]
  /** Also listen with TLS on a free port (PEM files; `authClients` as tls-auth-clients, default "no"). */
  tls?: { cert: string; key: string; ca: string; authClients?: 'yes' | 'no' | 'optional' }
}

interface Running {
  proc: ChildProcess
  exited: Promise<void>
  output: string[]
}

function launch(port: number, dir: string, extra: readonly string[]): Running {
  hookExit()
  const args = ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...extra]
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(proc)
  const output: string[] = []
  const keep = (d: Buffer): void => {
    output.push(d.toString())
    if (output.length > 50) output.shift()
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  // A server nobody stopped must not keep the test process alive: the exit hook kills it.
  proc.unref()
  for (const s of [proc.stdout, proc.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.()
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      live.delete(proc)
      resolve()
    })
    proc.once('error', (err: NodeJS.ErrnoException) => {
      live.delete(proc)
      output.push(err.code === 'ENOENT' ? 'ENOENT' : String(err))
      resolve()
    })
  })
  return { proc, exited, output }
}

/** Waits for the process to exit, holding the event loop open meanwhile (the process is unref'd). */
function waitExit(r: Running): Promise<void> {
  r.proc.ref()
  return r.exited
}

/** Resolves when PING answers PONG; rejects if the process exits first or after timeoutMs. */
async function waitReady(r: Running, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void r.exited.then(() => (exited = true))
  for (;;) {
    if (exited) throw new Error(`redis-server on port ${port} exited during startup: ${r.output.join('').trim()}`)
    try {
      if ((await redisCommand(port, ['PING'], { timeoutMs: 500 })) === 'PONG') return
    } catch (err) {
      // Up, and asking for a password (requirepass): that is ready too.
      if (err instanceof RedisReplyError && err.message.startsWith('NOAUTH')) return
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs}ms: ${r.output.join('').trim()}`)
    await sleep(15)
  }
}

function notInstalled(r: Running): boolean {
  return r.output.includes('ENOENT')
}

async function startOn(port: number | undefined, dir: string, extra: readonly string[]): Promise<{ run: Running; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const p = port ?? (await freePort())
    const run = launch(p, dir, extra)
    try {
      await waitReady(run, p, 10_000)
      return { run, port: p }
    } catch (err) {
      run.proc.kill('SIGKILL')
      await waitExit(run)
      if (notInstalled(run)) throw new Error(`redis-server is not on PATH and REDIS_URL is unset: ${HOW_TO_GET_REDIS}`)
      // Another process may take the port between freePort() and redis-server's bind.
      const inUse = run.output.join('').includes('Address already in use')
      // A given port (restart) will not become free by picking again: give up sooner.
      if (!inUse || attempt >= (port === undefined ? 5 : 1)) throw err
      await sleep(50 * (attempt + 1))
    }
  }
}

/** Starts a private redis-server on a free loopback port. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const tmp: TempDir = tempDir('thriftgate-redis-')
  const extra = [...(opts.args ?? [])]
  if (opts.password !== undefined) extra.push('--requirepass', opts.password)
  for (const u of opts.users ?? []) extra.push('--user', ...u.split(' '))
  let tlsPort: number | undefined
  if (opts.tls !== undefined) {
    tlsPort = await freePort()
    const t = opts.tls
    extra.push('--tls-port', String(tlsPort), '--tls-cert-file', t.cert, '--tls-key-file', t.key, '--tls-ca-cert-file', t.ca, '--tls-auth-clients', t.authClients ?? 'no')
  }
  let { run, port } = await startOn(opts.port, tmp.path, extra)
  let stopping: Promise<void> | undefined
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (run.proc.exitCode !== null || run.proc.signalCode !== null) return
    if (signal !== 'SIGKILL') run.proc.kill('SIGCONT') // a stopped process only acts on SIGTERM once continued
    run.proc.kill(signal)
    await waitExit(run)
  }
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const timer = setTimeout(() => run.proc.kill('SIGKILL'), 5000)
      await kill('SIGTERM')
      clearTimeout(timer)
    })()
    return stopping
  }
  return {
    host: LOOPBACK,
    port,
    dir: tmp.path,
    get url() {
      return `redis://${LOOPBACK}:${port}`
    },
    get pid() {
      return run.proc.pid ?? -1
    },
    stop,
    kill,
    pause() {
      run.proc.kill('SIGSTOP')
    },
    resume() {
      run.proc.kill('SIGCONT')
    },
    async restart() {
      await stop()
      stopping = undefined
      ;({ run, port } = await startOn(port, tmp.path, extra))
    },
    log: () => run.output.join(''),
    tlsPort,
  }
}

let shared: Promise<string> | undefined

/** REDIS_URL if set, else one private server started once per test process. */
export function sharedRedisUrl(): Promise<string> {
  const env = process.env.REDIS_URL
  if (env !== undefined && env !== '') return Promise.resolve(env)
  shared ??= startRedis().then((r) => r.url)
  return shared
}

export interface RedisCluster {
  readonly nodes: readonly RedisServer[]
  readonly urls: readonly string[]
  /** For ioredis' Cluster constructor. */
  readonly startupNodes: readonly { host: string; port: number }[]
  stop(): Promise<void>
}

/** Starts n (≥ 3) cluster-enabled masters on free ports and joins them (no replicas). */
export async function startRedisCluster(n = 3): Promise<RedisCluster> {
  if (n < 3) throw new Error('a Redis cluster needs at least 3 masters')
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < n; i++) {
      // The cluster bus defaults to port + 10000, which may be taken or past 65535: pick it too.
      const bus = await freePort()
      nodes.push(
        await startRedis({
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--cluster-port', String(bus)],
        }),
      )
    }
    await createCluster(nodes)
    for (const node of nodes) await waitClusterOk(node.port, 10_000)
  } catch (err) {
    await Promise.all(nodes.map((x) => x.kill()))
    throw err
  }
  return {
    nodes,
    urls: nodes.map((x) => x.url),
    startupNodes: nodes.map((x) => ({ host: x.host, port: x.port })),
    stop: async () => {
      await Promise.all(nodes.map((x) => x.stop()))
    },
  }
}

function createCluster(nodes: readonly RedisServer[]): Promise<void> {
  const args = ['--cluster', 'create', ...nodes.map((x) => `${x.host}:${x.port}`), '--cluster-replicas', '0', '--cluster-yes']
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.stderr.on('data', (d: Buffer) => (out += d.toString()))
    p.once('error', (err) => reject(new Error(`redis-cli could not run (${HOW_TO_GET_REDIS})`, { cause: err })))
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create failed (exit ${code}): ${out}`))))
  })
}

async function waitClusterOk(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const info = await redisCommand(port, ['CLUSTER', 'INFO'])
    if (typeof info === 'string' && info.includes('cluster_state:ok')) return
    if (Date.now() > deadline) throw new Error(`cluster node on port ${port} not ok after ${timeoutMs}ms: ${String(info)}`)
    await sleep(50)
  }
}
