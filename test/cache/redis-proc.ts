// Private redis-server processes for the cache tests: a standalone server on a free loopback port
// that can be killed, paused (SIGSTOP), resumed and restarted on the same port, and a small local
// Redis Cluster. If redis-server cannot start, tests fail with a message saying how to get one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, sleep, waitForPort } from '../support/net.js'

const HOW = 'install redis-server (Debian: apt-get install redis-server) or put it on PATH'

export class RedisProc {
  readonly port: number
  readonly dir: string
  readonly #extra: readonly string[]
  #proc: ChildProcess | undefined

  private constructor(port: number, dir: string, extra: readonly string[]) {
    this.port = port
    this.dir = dir
    this.#extra = extra
  }

  static async start(extra: readonly string[] = []): Promise<RedisProc> {
    let lastErr: unknown
    for (let attempt = 0; attempt < 5; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), 'tg-redis-'))
      const r = new RedisProc(await freePort(), dir, extra)
      try {
        await r.#spawn()
        return r
      } catch (err) {
        lastErr = err
        r.#proc?.kill('SIGKILL')
        rmSync(dir, { recursive: true, force: true })
      }
    }
    throw new Error(`cannot start redis-server (${(lastErr as Error).message}); ${HOW}`)
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`
  }

  async #spawn(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.#extra]
    const p = spawn('redis-server', args, { stdio: 'ignore' })
    this.#proc = p
    const failed = new Promise<never>((_, reject) => {
      p.once('error', (e) => reject(new Error(`redis-server: ${e.message}; ${HOW}`)))
      p.once('exit', (code) => reject(new Error(`redis-server exited with ${code} (port ${this.port} taken?)`)))
    })
    failed.catch(() => undefined)
    await Promise.race([waitForPort(this.port, { timeoutMs: 5_000 }), failed])
  }

  kill(): void {
    this.#proc?.kill('SIGKILL')
    this.#proc = undefined
  }

  pause(): void {
    this.#proc?.kill('SIGSTOP')
  }

  resume(): void {
    this.#proc?.kill('SIGCONT')
  }

  /** Starts again on the same port (after kill), empty. */
  async restart(): Promise<void> {
    this.kill()
    await sleep(50)
    for (let i = 0; ; i++) {
      try {
        await this.#spawn()
        return
      } catch (err) {
        if (i > 20) throw err
        await sleep(100)
      }
    }
  }

  async stop(): Promise<void> {
    const p = this.#proc
    this.#proc = undefined
    if (p !== undefined && p.exitCode === null) {
      p.kill('SIGCONT')
      p.kill('SIGKILL')
      await new Promise((r) => p.once('exit', r))
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Several `redis-server --cluster-enabled yes` joined with `redis-cli --cluster create`. */
export class RedisClusterProc {
  readonly nodes: RedisProc[]

  private constructor(nodes: RedisProc[]) {
    this.nodes = nodes
  }

  static async start(masters = 3): Promise<RedisClusterProc> {
    const nodes: RedisProc[] = []
    for (let i = 0; i < masters; i++) {
      nodes.push(await RedisProc.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']))
    }
    const c = new RedisClusterProc(nodes)
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 20_000,
    })
    if (create.status !== 0) {
      await c.stop()
      throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`)
    }
    for (let i = 0; i < 200; i++) {
      const ok = nodes.every((n) => {
        const r = spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' })
        return r.stdout.includes('cluster_state:ok')
      })
      if (ok) return c
      await sleep(50)
    }
    await c.stop()
    throw new Error('local redis cluster did not reach cluster_state:ok')
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()))
  }
}
