// The mutating admission webhook's HTTPS server. TLS material comes from files (a mounted Secret) and is
// re-read when the files change, since kubelet swaps Secret volumes in place when cert-manager (or a
// person) rotates the certificate. Every request gets an answer; nothing a client sends can stop the process.
import { readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleAdmissionReview } from './admission.js'
import { K8sError, K8sErrorCode } from './errors.js'
import type { InjectOptions } from './options.js'

/** pino-compatible, so the CLI can pass its logger straight in. */
export interface WebhookLog {
  info(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
  error(obj: Record<string, unknown>, msg: string): void
}

export interface WebhookServerOptions {
  host: string
  port: number
  certFile: string
  keyFile: string
  inject: InjectOptions
  /** The API server caps objects at ~3 MiB; anything much larger is not an AdmissionReview. */
  maxBodyBytes?: number
  /** How often to look for a rotated certificate. */
  tlsReloadMs?: number
  log?: WebhookLog
}

const silent: WebhookLog = { info() {}, warn() {}, error() {} }

interface Tls {
  cert: Buffer
  key: Buffer
  stamp: string
}

function readTls(certFile: string, keyFile: string): Tls {
  try {
    const stamp = [certFile, keyFile].map((f) => { const s = statSync(f); return `${s.mtimeMs}:${s.size}:${s.ino}` }).join('|')
    return { cert: readFileSync(certFile), key: readFileSync(keyFile), stamp }
  } catch (err) {
    throw new K8sError(K8sErrorCode.TLS, `cannot read the webhook certificate ${certFile} or key ${keyFile}: ${(err as Error).message}`, { cause: err })
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

export class WebhookServer {
  private readonly server: Server
  private readonly opts: WebhookServerOptions
  private readonly log: WebhookLog
  private tls: Tls
  private reloadTimer: NodeJS.Timeout | undefined

  constructor(opts: WebhookServerOptions) {
    this.opts = opts
    this.log = opts.log ?? silent
    this.tls = readTls(opts.certFile, opts.keyFile)
    try {
      this.server = createServer({ cert: this.tls.cert, key: this.tls.key, minVersion: 'TLSv1.2' }, (req, res) => this.onRequest(req, res))
    } catch (err) {
      throw new K8sError(K8sErrorCode.TLS, `the webhook certificate or key is not usable: ${(err as Error).message}`, { cause: err })
    }
    this.server.requestTimeout = 10_000
    this.server.headersTimeout = 5_000
    this.server.on('tlsClientError', (err) => this.log.warn({ err: err.message }, 'TLS handshake failed'))
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.reloadTimer = setInterval(() => this.reloadTls(), this.opts.tlsReloadMs ?? 30_000)
    this.reloadTimer.unref()
    const address = this.server.address() as AddressInfo
    this.log.info({ host: address.address, port: address.port }, 'webhook listening')
    return address
  }

  /** Picks up a rotated certificate; a half-written pair keeps the old one until the next look. */
  reloadTls(): boolean {
    let next: Tls
    try {
      next = readTls(this.opts.certFile, this.opts.keyFile)
      if (next.stamp === this.tls.stamp) return false
      this.server.setSecureContext({ cert: next.cert, key: next.key })
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'keeping the current certificate: the new one is not usable yet')
      return false
    }
    this.tls = next
    this.log.info({}, 'reloaded the webhook certificate')
    return true
  }

  async close(): Promise<void> {
    if (this.reloadTimer !== undefined) clearInterval(this.reloadTimer)
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeIdleConnections()
    })
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, { status: 'ok' })
      return
    }
    if (path !== '/mutate') {
      send(res, 404, { error: { code: K8sErrorCode.BAD_REVIEW, message: `no such path ${path}; the webhook serves POST /mutate` } })
      return
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      send(res, 405, { error: { code: K8sErrorCode.BAD_REVIEW, message: `${req.method} /mutate: use POST with an AdmissionReview` } })
      return
    }
    const max = this.opts.maxBodyBytes ?? 8 * 1024 * 1024
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return
      size += chunk.length
      if (size > max) {
        tooLarge = true
        chunks.length = 0
        send(res, 413, { error: { code: K8sErrorCode.BAD_REVIEW, message: `request body is larger than ${max} bytes` } })
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('error', (err) => this.log.warn({ err: err.message }, 'admission request aborted'))
    req.on('end', () => {
      if (tooLarge) return
      try {
        const outcome = handleAdmissionReview(Buffer.concat(chunks, size), this.opts.inject)
        this.log.info({ status: outcome.status }, outcome.summary)
        send(res, outcome.status, outcome.body)
      } catch (err) {
        // A bug of ours: answer (the API server applies failurePolicy) and keep serving.
        this.log.error({ err: (err as Error).stack }, 'admission request failed')
        send(res, 500, { error: { code: 'TG_ERR_INTERNAL', message: 'internal error while handling the AdmissionReview' } })
      }
    })
  }
}
