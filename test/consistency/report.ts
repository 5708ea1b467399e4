// What a run prints: operations by kind and outcome, the faults, the anomalies (each with the
// history around it: the operations on its keys overlapping it in time, the upstream's log of those
// keys meanwhile, the faults meanwhile), the measured cross-proxy window, and the seed to replay.
import { describe, fmt, type Anomaly, type CheckResult } from './checker.js'
import type { AppliedWrite, Fault, Op } from './model.js'

export interface RunRecord {
  seed: number
  seconds: number
  proxies: number
  clients: number
  keys: number
  history: readonly Op[]
  log: readonly AppliedWrite[]
  faults: readonly Fault[]
  result: CheckResult
  windowMs: number
  /** The probe's rounds: a write through one proxy, then reads through another (history indices). */
  probes: ReadonlyArray<{ write: number; reads: readonly number[] }>
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}

export function summary(r: RunRecord): string {
  const lines: string[] = []
  lines.push(`consistency run: seed ${r.seed}, ${r.seconds} s, ${r.proxies} proxies, ${r.clients} clients, ${r.keys} keys`)
  const kinds = ['put', 'delete', 'get', 'byEmail', 'range'] as const
  const outcomes = ['ok', 'notFound', 'error', 'unknown'] as const
  lines.push(`operations: ${r.history.length} (upstream applied ${r.log.length} writes)`)
  lines.push(`  ${'kind'.padEnd(8)}${outcomes.map((o) => o.padStart(10)).join('')}`)
  for (const k of kinds) {
    const ops = r.history.filter((o) => o.op === k)
    lines.push(`  ${k.padEnd(8)}${outcomes.map((o) => String(ops.filter((x) => x.outcome === o).length).padStart(10)).join('')}`)
  }
  const t0 = r.history[0]?.inv ?? 0
  const byFault = new Map<string, number>()
  for (const f of r.faults) byFault.set(`${f.kind} ${f.target}`, (byFault.get(`${f.kind} ${f.target}`) ?? 0) + 1)
  lines.push(`faults: ${r.faults.length} (${[...byFault].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'})`)
  const cs = r.result.crossProxyStale
  const inWindow = cs.filter((c) => c.allowance === 'window').map((c) => c.lagMs)
  lines.push(
    `cross-proxy stale reads (a write acknowledged through another proxy not yet seen): ${cs.length} of ${r.result.readsChecked} reads; ` +
      `within the ${r.windowMs} ms window: ${inWindow.length} (observed lag median ${quantile(inWindow, 0.5).toFixed(1)} ms, p99 ${quantile(inWindow, 0.99).toFixed(1)} ms, max ${quantile(inWindow, 1).toFixed(1)} ms); ` +
      `during/after a Redis fault: ${cs.filter((c) => c.allowance === 'redis-outage').length}; reader stopped: ${cs.filter((c) => c.allowance === 'reader-paused').length}`,
  )
  for (const k of ['get', 'byEmail', 'range'] as const) {
    const l = cs.filter((c) => c.allowance === 'window' && c.kind === k).map((c) => c.lagMs)
    if (l.length > 0) lines.push(`  ${k}: ${l.length} within window, max lag ${quantile(l, 1).toFixed(1)} ms`)
  }
  // Probe rounds: the window no fault explains (rounds whose stale reads a fault excuses are counted apart).
  const staleOf = new Map(cs.map((c) => [c.op, c]))
  const excused = r.probes.filter((p) => p.reads.some((i) => (staleOf.get(i)?.allowance ?? 'window') !== 'window')).length
  const lags = r.probes
    .filter((p) => p.reads.every((i) => (staleOf.get(i)?.allowance ?? 'window') === 'window'))
    .map((p) => Math.max(0, ...p.reads.map((i) => staleOf.get(i)?.lagMs ?? 0)))
  lines.push(
    `probe (read through proxy B, write through A, read through B at once until it changes): ${r.probes.length} rounds; ${excused} during a fault; of the others ${lags.filter((l) => l > 0).length} served the old copy after the write's acknowledgement, ` +
      `window (acknowledgement to the last stale read's invocation) median ${quantile(lags, 0.5).toFixed(1)} ms, p99 ${quantile(lags, 0.99).toFixed(1)} ms, max ${quantile(lags, 1).toFixed(1)} ms`,
  )
  for (const c of [...cs].filter((x) => x.allowance === 'window').sort((a, b) => b.lagMs - a.lagMs).slice(0, 3)) {
    const o = r.history[c.op] as Op
    const near = r.faults.filter((f) => f.end >= o.inv - c.lagMs - 3000 && f.start <= o.comp)
    const w = r.history[c.missed] as Op
    lines.push(`  largest: ${c.lagMs.toFixed(1)} ms: ${describe(o)} missed ${describe(w)}; faults near: ${near.map((f) => `${f.kind} ${f.target}`).join(', ') || 'none'}`)
  }
  lines.push(`reads whose state was already superseded upstream (by any applied write, acknowledged or not) when invoked: ${r.result.staleVsUpstream}`)
  const byKind = new Map<string, number>()
  for (const a of r.result.anomalies) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1)
  lines.push(`anomalies: ${r.result.anomalies.length}${byKind.size > 0 ? ` (${[...byKind].map(([k, n]) => `${k} ×${n}`).join(', ')})` : ''}`)
  if (r.faults.length > 0) {
    lines.push('fault log (s from the first operation):')
    for (const f of r.faults) lines.push(`  ${((f.start - t0) / 1000).toFixed(3)}-${((f.end - t0) / 1000).toFixed(3)} ${f.kind} ${f.target} ${f.detail ?? ''}`)
  }
  return lines.join('\n')
}

/** The history around one anomaly, for a failure message. */
export function explain(r: RunRecord, a: Anomaly): string {
  const lines = [`ANOMALY ${a.kind}: ${a.message}`]
  const op = a.op === undefined ? undefined : r.history[a.op]
  const from = op === undefined ? -Infinity : op.inv - 600
  const to = op === undefined ? Infinity : op.comp + 100
  const t0 = r.history[0]?.inv ?? 0
  const rel = (t: number): string => fmt(t - t0)
  const touches = (o: Op): boolean =>
    o.op === 'range' ? true : a.keys.includes(o.id ?? -1) || (o.email !== undefined && a.keys.some((k) => o.email?.startsWith(`u${k}.`) === true))
  const ops = r.history.filter((o) => o.comp >= from && o.inv <= to && touches(o) && (o.op !== 'range' || o.i === a.op))
  lines.push(`  operations on keys ${a.keys.join(',')} overlapping it (times in ms from the first operation):`)
  for (const o of ops.slice(-60)) lines.push(`    ${o.i === a.op ? '>>' : '  '} [${rel(o.inv)}, ${rel(o.comp)}] ${describe(o)}`)
  lines.push('  upstream log of those keys meanwhile:')
  for (const w of r.log.filter((w) => a.keys.includes(w.id) && w.t >= from - 300 && w.t <= to).slice(-30))
    lines.push(`       seq ${w.seq} at ${rel(w.t)}: ${w.op} ${w.id}${w.op === 'put' ? ` ${w.name} ${w.email} age ${w.age}` : ` found=${w.found}`}`)
  const faults = r.faults.filter((f) => f.end >= from - 3000 && f.start <= to)
  lines.push(`  faults meanwhile: ${faults.length === 0 ? 'none' : faults.map((f) => `${f.kind} ${f.target} [${rel(f.start)}, ${rel(f.end)}]`).join('; ')}`)
  return lines.join('\n')
}

export function failureReport(r: RunRecord, max = 5): string {
  return [
    `seed ${r.seed}: ${r.result.anomalies.length} anomalies (first ${Math.min(max, r.result.anomalies.length)} below)`,
    ...r.result.anomalies.slice(0, max).map((a) => explain(r, a)),
    summary(r),
  ].join('\n')
}
