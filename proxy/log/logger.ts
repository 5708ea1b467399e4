// Structured JSON logs (pino) to stdout. Secrets never reach a log line: known secret keys are
// redacted by pino, and URLs that may carry a password go through redactUrl before logging.
import { pino, type Logger } from 'pino'

export type { Logger }

/** Keys whose values are always replaced, at the top level or one object down. */
const SECRET_KEYS = ['adminToken', 'token', 'password', 'authorization', 'redisUrl', 'url']
// Deeper nesting (cache.redis.url) is listed explicitly: pino's wildcards match one level only.
const DEEP_PATHS = ['cache.redis.url', 'config.cache.redis.url', 'config.adminToken']

export interface LoggerOptions {
  readonly level: string
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream
}

export function createLogger(opts: LoggerOptions): Logger {
  const redact = {
    paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...DEEP_PATHS, 'req.headers.authorization'],
    censor: (value: unknown): unknown => (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrlText(value) : '[redacted]'),
  }
  const options = {
    level: opts.level,
    base: { name: 'thriftgate' },
    redact,
    timestamp: pino.stdTimeFunctions.isoTime,
    // The level as a word ("warn") rather than pino's number: readable without pino-pretty.
    formatters: { level: (label: string) => ({ level: label }) },
  }
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination as pino.DestinationStream)
}

/** A URL with its password (if any) masked: URLs stay useful in logs, their secrets do not. */
function redactUrlText(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '[redacted]'
  }
}
