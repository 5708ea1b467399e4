// Small network helpers for tests: a free loopback port, waiting for a listener, bounding a
// promise in time. Servers under test bind port 0 themselves; freePort is only for processes we
// cannot ask for port 0 (redis-server), and callers must retry on EADDRINUSE because another
// process may take the port between our release and their bind.
import net from 'node:net'

export const LOOPBACK = '127.0.0.1'

/** A port that was free a moment ago on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address()
      if (addr === null || typeof addr === 'string') {
        srv.close()
        reject(new Error('freePort: server has no TCP address'))
        return
      }
      srv.close(() => resolve(addr.port))
    })
  })
}

/** Resolves once a TCP connect to host:port succeeds; rejects after timeoutMs. */
export async function waitForPort(port: number, opts: { host?: string; timeoutMs?: number } = {}): Promise<void> {
  const host = opts.host ?? LOOPBACK
  const deadline = Date.now() + (opts.timeoutMs ?? 5000)
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host })
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`waitForPort: nothing listening on ${host}:${port} after ${opts.timeoutMs ?? 5000}ms`)
    await sleep(20)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Rejects with a clear message if `p` has not settled within ms (the timer is cleared when it settles). */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
