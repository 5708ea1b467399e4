// Readiness of the upstream: can we open a TCP connection to it? The answer is cached briefly so a
// busy prober (kubelet, load balancer) does not turn into a connection storm on the upstream.
import net from 'node:net'
import type { CheckResult, ReadinessCheck } from './readiness.js'

export interface TcpCheckOptions {
  readonly host: string
  readonly port: number
  /** Give up connecting after this long. Default 1000 ms. */
  readonly timeoutMs?: number
  /** Reuse a result for this long. Default 1500 ms. */
  readonly cacheMs?: number
  readonly name?: string
}

export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (r: CheckResult): void => {
      socket.destroy()
      resolve(r)
    }
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `connect to ${host}:${port} timed out after ${timeoutMs} ms` }))
    socket.once('connect', () => done({ ok: true, detail: `${host}:${port} reachable` }))
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: `${host}:${port}: ${err.code ?? err.message}` }))
  })
}

export function upstreamCheck(opts: TcpCheckOptions): ReadinessCheck {
  let last: { at: number; result: Promise<CheckResult> } | undefined
  const cacheMs = opts.cacheMs ?? 1_500
  return {
    name: opts.name ?? 'upstream',
    check(): Promise<CheckResult> {
      const now = Date.now()
      // Concurrent probes share one connect attempt as well as its result.
      if (last === undefined || now - last.at >= cacheMs) last = { at: now, result: tcpConnect(opts.host, opts.port, opts.timeoutMs ?? 1_000) }
      return last.result
    },
  }
}
