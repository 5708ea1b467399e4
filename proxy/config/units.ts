// Durations, sizes and host:port as the config file writes them. Parsers return undefined for
// text they do not accept so callers can report the problem at the right config path.

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/
const DURATION_PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g

export const DURATION_HINT = 'expected a duration like "30s" (units ms, s, m, h, d; e.g. "500ms", "1m30s")'

/** "30s" -> 30000; "1m30s" -> 90000; "500ms" -> 500. Integers only after conversion. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim()
  if (!DURATION_RE.test(t)) return undefined
  let ms = 0
  for (const m of t.matchAll(DURATION_PART_RE)) ms += Number(m[1]) * (DURATION_UNIT_MS[m[2] ?? ''] ?? NaN)
  return Number.isFinite(ms) ? Math.round(ms) : undefined
}

/** 90000 -> "1m30s": how `check-config` explains a duration back to the user. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`
  let s = ms / 1000
  const parts: string[] = []
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`)
      s %= size
    }
  }
  return parts.join('')
}

// Binary units are powers of 1024; decimal ones powers of 1000 (IEC 80000-13).
const SIZE_UNIT: Record<string, number> = {
  b: 1,
  k: 1024, kb: 1000, kib: 1024,
  m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
}
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/

export const SIZE_HINT = 'expected a size like "64MiB" or a number of bytes (units B, KiB, MiB, GiB, KB, MB, GB)'

export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  const m = SIZE_RE.exec(value.trim())
  if (m === null) return undefined
  const unit = SIZE_UNIT[(m[2] ?? '').toLowerCase() || 'b']
  if (unit === undefined) return undefined
  const bytes = Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return `${bytes}B`
}

export interface HostPort {
  readonly host: string
  readonly port: number
}

export const HOST_PORT_HINT = 'expected HOST:PORT like "127.0.0.1:9090" (IPv6 as "[::1]:9090", port 0-65535)'

/** "127.0.0.1:9090", "localhost:80", "[::1]:9090". The host is returned without brackets. */
export function parseHostPort(text: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim())
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? m[2] ?? '', port }
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`
}

/** Loopback hosts: the admin server may serve mutating endpoints without a token only on these. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
