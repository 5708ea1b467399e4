// A private redis-server for the index tests (real server, free loopback port, no persistence).
// Fails with instructions when redis-server is missing: tests never skip.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export interface PrivateRedis {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Starts a server on a free port, or on `port` (to restart one that was stopped). */
export async function startRedis(port?: number): Promise<PrivateRedis> {
  port ??= await freePort()
  let child: ChildProcess
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  } catch (err) {
    throw new Error(`cannot start redis-server (install it, e.g. the redis-server OS package): ${(err as Error).message}`)
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e) => reject(new Error(`cannot start redis-server (install it, e.g. the redis-server OS package): ${e.message}`))),
  )
  const url = `redis://127.0.0.1:${port}`
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, protocol: 2 })
  probe.on('error', () => undefined)
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect()
        await probe.ping()
        return
      } catch {
        probe.disconnect()
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    throw new Error(`redis-server on port ${port} did not come up`)
  })()
  await Promise.race([ready, spawnError])
  probe.disconnect()
  return {
    url,
    port,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}
