// What `check-config` prints on success: a short account of what this config makes the proxy do.
import { redactUrl } from './redact.js'
import type { Config, FieldRef } from './types.js'
import { formatDuration, formatHostPort, formatSize, isLoopback } from './units.js'

const ref = (f: FieldRef | undefined): string => (f === undefined ? '?' : f.name)

export function explainConfig(c: Config): string {
  const out: string[] = []
  out.push(`Clients connect to ${formatHostPort(c.listen)}; calls are forwarded to ${formatHostPort(c.upstream)}.`)
  const dialect = c.transport === 'auto' && c.protocol === 'auto' ? 'detected per connection' : `${c.transport} transport, ${c.protocol} protocol`
  out.push(`Client transport and protocol: ${dialect}.`)
  const mutating =
    c.adminToken !== undefined
      ? '; mutating endpoints need the admin token'
      : isLoopback(c.admin.host)
        ? ''
        : '; mutating endpoints are disabled (not on loopback and no adminToken)'
  out.push(`Admin HTTP on ${formatHostPort(c.admin)} (/metrics, /healthz, /readyz)${mutating}.`)
  out.push(
    `Timeouts: connect ${formatDuration(c.timeouts.connectMs)}, request ${formatDuration(c.timeouts.requestMs)}; drain deadline ${formatDuration(c.drain.deadlineMs)}.`,
  )
  if (c.idl.model === undefined) out.push('No IDL: methods are known by name only; every call is forwarded byte for byte.')
  else out.push(`IDL: ${c.idl.files.length} file(s), services ${[...c.idl.model.services.keys()].join(', ')}.`)
  out.push(
    `Proxy's own upstream pool (cache refresh, index): ${c.pool.size} connection(s) per dialect, at most ${c.pool.maxQueue} calls waiting, idle connections closed after ${formatDuration(c.pool.idleMs)}.`,
  )
  const redis = c.cache.redis
  out.push(`Cache: in-process up to ${formatSize(c.cache.memory.maxBytes)}${redis === undefined ? ', no shared tier' : `, shared Redis tier at ${redactUrl(redis.url)} (prefix "${redis.keyPrefix}")`}.`)
  if (redis !== undefined) {
    out.push(
      `  Redis: ${formatDuration(redis.timeoutMs)} per operation; refill leases hold ${formatDuration(redis.leaseMs)}, other readers wait ${formatDuration(redis.leaseWaitMs)} for them; ` +
        `the breaker opens after ${redis.breaker.failures} failures in a row and probes every ${formatDuration(redis.breaker.cooldownMs)}; startup waits ${formatDuration(redis.connectWaitMs)} for Redis.`,
    )
  }
  if (c.index !== undefined) {
    const rep = c.index.replication
    const shared = rep === undefined ? '' : `; changes shared through the Redis stream "${rep.stream ?? 'thriftgate:index'}"${rep.redis === undefined ? '' : ` at ${redactUrl(rep.redis)}`}`
    out.push(`Index store: ${c.index.path}${shared}.`)
  }
  if (c.services.size === 0) out.push('No services configured: the proxy is a pure forwarder.')
  for (const s of c.services.values()) {
    out.push('', `Service ${s.name}:`)
    for (const r of s.reads.values()) {
      const extra = [
        r.graceMs > 0 ? `grace ${formatDuration(r.graceMs)}` : '',
        r.negative.length > 0 ? `caches ${r.negative.map(ref).join(', ')} for ${formatDuration(r.negativeTtlMs)}` : '',
        r.vary.length > 0 ? `varies by ${r.vary.join(', ')}` : '',
      ].filter(Boolean)
      out.push(`  cached read ${r.method}: ttl ${formatDuration(r.ttlMs)}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`)
    }
    for (const w of s.writes.values()) out.push(`  write ${w.method} invalidates ${w.invalidates.map((i) => i.text).join(', ') || 'nothing'}`)
    for (const [m, t] of s.timeoutsMs) out.push(`  timeout ${m}: ${formatDuration(t)}`)
    if (s.oneway.size > 0) out.push(`  oneway (no reply awaited): ${[...s.oneway].join(', ')}`)
    for (const e of s.entities.values()) {
      out.push(`  entity ${e.name}: key ${ref(e.key)}, read by ${e.get}`)
      for (const ix of e.indexes.values()) out.push(`    index ${ix.name} on ${ref(ix.field)}${ix.unique ? ' (unique)' : ''}`)
      for (const l of e.lookups.values()) {
        const field = ref(e.indexes.get(l.index)?.field)
        const how =
          l.range === undefined
            ? `the ${e.name} whose ${field} equals argument ${ref(l.arg)}`
            : `${e.name}s with ${field} from argument ${ref(l.range[0])} to ${ref(l.range[1])}${l.limit === undefined ? '' : `, at most ${ref(l.limit)}`}`
        out.push(`    lookup ${l.method} answered from index ${l.index}: ${how}`)
      }
      for (const w of e.writes.values()) out.push(`    ${w.method} ${w.kind === 'upsert' ? 'updates' : 'deletes'} it from argument ${ref(w.arg)}`)
      if (e.scan !== undefined) out.push(`    indexes are built by scanning ${e.scan.method}`)
    }
  }
  return out.join('\n')
}
