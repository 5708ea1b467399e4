// The admin HTTP server, on its own port (loopback by default): /metrics, /healthz, /readyz, plus
// routes other folders add (purge, index). Mutating routes need `Authorization: Bearer <adminToken>`
// when a token is configured, and are refused outright on a non-loopback address without one.
import { timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../log/index.js'
import type { ProxyMetrics } from './metrics.js'
import type { ReadinessRegistry } from './readiness.js'

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly path: string
  /** Changes state (purge, rebuild): needs the admin token. */
  readonly mutating: boolean
  readonly description: string
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void | Promise<void>
}

export interface AdminServerOptions {
  readonly host: string
  readonly port: number
  readonly metrics: ProxyMetrics
  readonly readiness: ReadinessRegistry
  readonly logger: Logger
  readonly adminToken?: string | undefined
  /** Whether `host` is a loopback address (mutating routes are open there without a token). */
  readonly loopback: boolean
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  res.end(text)
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '')
  if (m === null) return false
  const given = Buffer.from(m[1] ?? '')
  const want = Buffer.from(token)
  return given.length === want.length && timingSafeEqual(given, want)
}

export class AdminServer {
  private readonly routes = new Map<string, AdminRoute>()
  private readonly server: http.Server

  constructor(private readonly opts: AdminServerOptions) {
    this.server = http.createServer((req, res) => void this.dispatch(req, res))
    this.add({ method: 'GET', path: '/healthz', mutating: false, description: 'liveness: 200 while the process runs', handle: (_q, res) => sendJson(res, 200, { status: 'ok' }) })
    this.add({
      method: 'GET',
      path: '/readyz',
      mutating: false,
      description: 'readiness: 200 when every check passes (upstream reachable, not draining, ...), else 503',
      handle: async (_q, res) => {
        const report = await this.opts.readiness.report()
        sendJson(res, report.ready ? 200 : 503, report)
      },
    })
    this.add({
      method: 'GET',
      path: '/metrics',
      mutating: false,
      description: 'Prometheus metrics',
      handle: async (_q, res) => {
        const { contentType, body } = await this.opts.metrics.scrape()
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
        res.end(body)
      },
    })
    this.add({
      method: 'GET',
      path: '/',
      mutating: false,
      description: 'this list',
      handle: (_q, res) => sendJson(res, 200, { endpoints: [...this.routes.values()].map((r) => ({ method: r.method, path: r.path, mutating: r.mutating, description: r.description })) }),
    })
  }

  /** Adds a route (cache purge, index status, ...). One handler per method and path. */
  add(route: AdminRoute): void {
    this.routes.set(`${route.method} ${route.path}`, route)
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const a = this.server.address() as AddressInfo
    return { host: a.address, port: a.port }
  }

  /** Stops listening and closes keep-alive connections (idempotent). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve()
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin')
    const route = this.routes.get(`${req.method ?? 'GET'} ${url.pathname}`)
    if (route === undefined) {
      const allowed = [...this.routes.values()].filter((r) => r.path === url.pathname).map((r) => r.method)
      if (allowed.length > 0) {
        res.setHeader('allow', allowed.join(', '))
        return sendJson(res, 405, { error: `${req.method ?? '?'} not allowed on ${url.pathname}; use ${allowed.join(', ')}` })
      }
      return sendJson(res, 404, { error: `no endpoint ${url.pathname}`, endpoints: [...this.routes.keys()] })
    }
    if (route.mutating) {
      const token = this.opts.adminToken
      if (token === undefined && !this.opts.loopback) {
        return sendJson(res, 403, { error: 'mutating admin endpoints are disabled: admin is not on loopback and no adminToken is configured' })
      }
      if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
        return sendJson(res, 401, { error: 'missing or wrong admin token (send "Authorization: Bearer <adminToken>")' })
      }
    }
    try {
      await route.handle(req, res, url)
    } catch (err) {
      this.opts.logger.error({ err, path: url.pathname }, 'admin endpoint failed')
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message })
      else res.destroy()
    }
  }
}
