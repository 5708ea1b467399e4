// Flags and THRIFTGATE_* environment variables laid over the file. Precedence: flags > env > file
// > defaults. Each override remembers where it came from so a bad value is reported as such.

export interface Override {
  /** Where in the config it goes, e.g. ['cache', 'redis', 'url']. */
  readonly path: readonly string[]
  readonly value: unknown
  /** "--listen" or "THRIFTGATE_LISTEN": named in error messages. */
  readonly origin: string
}

/** Environment variables and the config keys they set (docs/configuration.md lists them). */
export const ENV_VARS: ReadonlyArray<{ readonly name: string; readonly path: readonly string[]; readonly list?: boolean }> = [
  { name: 'THRIFTGATE_LISTEN', path: ['listen'] },
  { name: 'THRIFTGATE_UPSTREAM', path: ['upstream'] },
  { name: 'THRIFTGATE_ADMIN', path: ['admin'] },
  { name: 'THRIFTGATE_ADMIN_TOKEN', path: ['adminToken'] },
  { name: 'THRIFTGATE_ADMIN_WITHOUT_TOKEN', path: ['adminWithoutToken'] },
  { name: 'THRIFTGATE_TRANSPORT', path: ['transport'] },
  { name: 'THRIFTGATE_PROTOCOL', path: ['protocol'] },
  { name: 'THRIFTGATE_LOG_LEVEL', path: ['log', 'level'] },
  { name: 'THRIFTGATE_DRAIN_DEADLINE', path: ['drain', 'deadline'] },
  { name: 'THRIFTGATE_IDL', path: ['idl'], list: true },
  { name: 'THRIFTGATE_REDIS_URL', path: ['cache', 'redis', 'url'] },
  { name: 'THRIFTGATE_REDIS_USERNAME', path: ['cache', 'redis', 'username'] },
  { name: 'THRIFTGATE_REDIS_PASSWORD', path: ['cache', 'redis', 'password'] },
  { name: 'THRIFTGATE_INDEX_PATH', path: ['index', 'path'] },
]
/** Names the config file; read by the CLI, not laid over the config. */
export const CONFIG_ENV = 'THRIFTGATE_CONFIG'

export function envOverrides(env: NodeJS.ProcessEnv): Override[] {
  const out: Override[] = []
  for (const v of ENV_VARS) {
    const text = env[v.name]
    if (text === undefined || text === '') continue
    out.push({ path: v.path, value: v.list === true ? text.split(',').map((s) => s.trim()).filter(Boolean) : text, origin: v.name })
  }
  return out
}

/** Applies overrides to a copy of `raw` (a parsed file, or {}); returns origins by dotted path. */
export function applyOverrides(raw: Record<string, unknown>, overrides: readonly Override[]): { merged: Record<string, unknown>; origins: Map<string, string> } {
  const merged = structuredClone(raw)
  const origins = new Map<string, string>()
  for (const o of overrides) {
    let node: Record<string, unknown> = merged
    for (const key of o.path.slice(0, -1)) {
      const next = node[key]
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
      node = node[key] as Record<string, unknown>
    }
    const last = o.path[o.path.length - 1]
    if (last === undefined) continue
    node[last] = o.value
    origins.set(o.path.join('.'), o.origin)
  }
  return { merged, origins }
}
