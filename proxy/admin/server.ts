// The admin HTTP server, on its own port (loopback by default): /metrics, /healthz, /readyz, plus
// routes other folders add (purge, index). Mutating routes need `Authorization: Bearer <adminToken>`
// when a token is configured, and are refused outright on a non-loopback address without one (the
// config refuses that setup unless adminWithoutToken is read-only). Every method but GET counts as
// mutating, whatever the route says: a route cannot open a state change by forgetting the flag.
import { createHash, timingSafeEqual } from 'node:crypto'
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

/**
 * Constant time in the token's content and length: both sides are hashed to 32 bytes first, so
 * neither a byte-by-byte compare nor a length check tells an attacker how close a guess was.
 */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()
  const given = digest(m?.[1] ?? '')
  return timingSafeEqual(given, digest(token)) && m !== null
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

  /** Who tried what (never the header they sent: a near-miss token is almost the secret). */
  private refused(req: http.IncomingMessage, url: URL, status: number): void {
    this.opts.logger.warn({ method: req.method, path: url.pathname, remote: req.socket.remoteAddress, status }, 'admin: mutating call refused')
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
    if (route.mutating || route.method !== 'GET') {
      const token = this.opts.adminToken
      if (token === undefined && !this.opts.loopback) {
        this.refused(req, url, 403)
        return sendJson(res, 403, { error: 'mutating admin endpoints are disabled: admin is not on loopback and no adminToken is configured' })
      }
      if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
        this.refused(req, url, 401)
        res.setHeader('www-authenticate', 'Bearer realm="thriftgate-admin"')
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
