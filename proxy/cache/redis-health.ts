// Why the shared tier is not in use, said once and shown in /readyz. ioredis reports a connection
// problem (refused, WRONGPASS, NOAUTH, a TLS certificate it rejects) on every reconnect attempt,
// about once a second: the log gets one line per distinct problem and one when Redis answers again.
// Redis failing never fails a call (the cache falls back to the in-process tier and the upstream),
// so the readiness check stays ok and says "degraded": a proxy without its shared tier still serves.
// Messages are scrubbed of the configured secrets before they are shown anywhere.

export interface RedisHealthLogger {
  warn(o: object, msg: string): void
  info(o: object, msg: string): void
}

interface Emitter {
  /** ioredis' connection state ("ready" once connected and authenticated). */
  readonly status?: string
  on(event: 'error', f: (err: Error) => void): unknown
  on(event: 'ready', f: () => void): unknown
}

export class RedisHealth {
  private problem: string | undefined
  private ready = false

  constructor(
    private readonly logger: RedisHealthLogger,
    /** Strings that must never be shown (the password); replaced by "***". */
    private readonly secrets: readonly string[] = [],
  ) {}

  /** Follows a client's connection (the cache's, and the bus's subscriber). */
  watch(client: Emitter): void {
    // The client may have connected before it is watched (startup waits for it).
    if (client.status === 'ready') this.ready = true
    client.on('error', (err) => this.failed(err))
    client.on('ready', () => this.recovered())
  }

  /** The current problem, scrubbed; undefined while Redis answers. */
  get lastProblem(): string | undefined {
    return this.problem
  }

  /** For the readiness registry: always ok (calls do not depend on Redis), with what is wrong. */
  check(): { ok: boolean; detail: string } {
    if (this.problem !== undefined) return { ok: true, detail: `degraded, calls go to the upstream: ${this.problem}` }
    return { ok: true, detail: this.ready ? 'connected' : 'connecting' }
  }

  private failed(err: Error): void {
    const text = this.scrub(describe(err))
    if (text === this.problem) return
    this.problem = text
    this.ready = false
    this.logger.warn({ problem: text, hint: hintFor(text) }, 'redis unavailable: the shared cache tier is skipped until it answers')
  }

  private recovered(): void {
    this.ready = true
    if (this.problem === undefined) return
    this.problem = undefined
    this.logger.info({}, 'redis answers again: shared cache tier back in use')
  }

  private scrub(text: string): string {
    let out = text
    for (const s of this.secrets) if (s !== '') out = out.split(s).join('***')
    return out
  }
}

function describe(err: Error): string {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message
}

/** What to check for the problems an operator can fix in the config. */
function hintFor(text: string): string | undefined {
  if (/WRONGPASS|NOAUTH|invalid password|invalid username/i.test(text)) {
    return 'check cache.redis.password / username (THRIFTGATE_REDIS_PASSWORD / _USERNAME) or the URL\'s user:password'
  }
  if (/certificate|self.signed|SSL|TLS|EPROTO|handshake/i.test(text)) {
    return 'check cache.redis.tls (ca, cert, key, servername) and the rediss:// URL'
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(text)) return 'is Redis up, and is cache.redis.url right?'
  return undefined
}
