// End-to-end forwarding bench: the same load against (a) the upstream directly, (b) a plain Node TCP
// pipe, (c) thriftgate forwarding without caching. Every party runs in its own process: upstream
// (real `thrift` library server), pipe, proxy, load generator. Runs are interleaved a, b, c per
// round so drift hits all three alike; the table reports medians over rounds and ratios.
//
//   node --import tsx bench/e2e-forward.bench.ts [--duration=3000] [--warmup=500] [--runs=3]
//        [--depth=4] [--conns=1,16,64] [--transports=framed,buffered]
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import type { LoadRequest, LoadResult } from './e2e/loadgen.js'

const arg = (name: string, dflt: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const durationMs = Number(arg('duration', '3000'))
const warmupMs = Number(arg('warmup', '500'))
const runs = Number(arg('runs', '3'))
const depth = Number(arg('depth', '4'))
const connLevels = arg('conns', '1,16,64').split(',').map(Number)
const transports = arg('transports', 'framed,buffered').split(',') as LoadRequest['transport'][]
const modes = ['direct', 'pipe', 'proxy'] as const
type Mode = (typeof modes)[number]

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))

async function start(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(here(script), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [m] = (await once(child, 'message')) as [{ port: number }]
  return { child, port: m.port }
}

function ask<T>(child: ChildProcess, msg: unknown): Promise<T> {
  child.send(msg as object)
  return once(child, 'message').then(([m]) => m as T)
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

interface Row {
  transport: string
  conns: number
  mode: Mode
  results: LoadResult[]
  /** CPU time of the forwarding process (pipe or proxy) per call, µs; empty for direct. */
  cpuPerCall: number[]
}

const rows: Row[] = []
const rss: { transport: string; rss: number[]; maxRss: number } [] = []
const loadgen = fork(here('./e2e/loadgen.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })

for (const transport of transports) {
  const upstream = await start('./e2e/upstream.ts', [transport])
  const pipe = await start('./e2e/pipe.ts', [String(upstream.port)])
  const proxy = await start('./e2e/proxy.ts', [String(upstream.port)])
  const ports: Record<Mode, number> = { direct: upstream.port, pipe: pipe.port, proxy: proxy.port }
  const proxyRss: number[] = []
  for (const conns of connLevels) {
    const byMode = new Map<Mode, Row>(modes.map((mode) => [mode, { transport, conns, mode, results: [], cpuPerCall: [] }]))
    for (let r = 0; r < runs; r++) {
      for (const mode of modes) {
        const req: LoadRequest = { port: ports[mode], transport, conns, depth, warmupMs, durationMs }
        // RSS of the proxy sampled in the middle of a 64-connection run.
        const sample =
          mode === 'proxy' && conns === 64
            ? new Promise<void>((resolve) =>
                setTimeout(() => {
                  void ask<{ rss: number }>(proxy.child, { rss: true }).then((m) => {
                    proxyRss.push(m.rss)
                    resolve()
                  })
                }, warmupMs + durationMs / 2),
              )
            : Promise.resolve()
        // CPU time is the load-independent measure on a shared machine: what forwarding one call costs.
        const forwarder = mode === 'pipe' ? pipe.child : mode === 'proxy' ? proxy.child : undefined
        const cpu0 = forwarder ? (await ask<{ cpuMicros: number }>(forwarder, { cpu: true })).cpuMicros : 0
        const out = await ask<{ ok?: LoadResult; error?: string }>(loadgen, req)
        await sample
        if (out.ok === undefined) throw new Error(`load against ${mode} failed: ${out.error}`)
        const row = byMode.get(mode) as Row
        row.results.push(out.ok)
        if (forwarder) row.cpuPerCall.push(((await ask<{ cpuMicros: number }>(forwarder, { cpu: true })).cpuMicros - cpu0) / out.ok.total)
        process.stderr.write(`${transport} ${conns}c ${mode} run ${r + 1}: ${Math.round(out.ok.throughput)}/s p99 ${out.ok.p99.toFixed(2)}ms\n`)
      }
    }
    rows.push(...byMode.values())
  }
  const final = await ask<{ maxRss: number }>(proxy.child, { rss: true })
  rss.push({ transport, rss: proxyRss, maxRss: final.maxRss })
  for (const c of [proxy.child, pipe.child, upstream.child]) c.kill()
}
loadgen.kill()

const fmt = (n: number, d = 2): string => n.toFixed(d)
const lines: string[] = []
lines.push(`depth ${depth} calls in flight per connection, ${durationMs}ms measured after ${warmupMs}ms warm-up, median of ${runs} runs`)
lines.push('')
lines.push('| transport | conns | path | calls/s | p50 ms | p99 ms | p99.9 ms | calls/s vs direct | calls/s vs pipe | p99 vs pipe | CPU µs/call | CPU vs pipe |')
lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const transport of transports) {
  for (const conns of connLevels) {
    const get = (mode: Mode): Row => rows.find((r) => r.transport === transport && r.conns === conns && r.mode === mode) as Row
    const m = (row: Row, k: keyof LoadResult): number => median(row.results.map((x) => x[k]))
    const direct = get('direct')
    const pipe = get('pipe')
    for (const mode of modes) {
      const row = get(mode)
      const tp = m(row, 'throughput')
      const cpu = row.cpuPerCall.length > 0 ? median(row.cpuPerCall) : NaN
      lines.push(
        `| ${transport} | ${conns} | ${mode} | ${Math.round(tp)} | ${fmt(m(row, 'p50'))} | ${fmt(m(row, 'p99'))} | ${fmt(m(row, 'p999'))} | ` +
          `${fmt(tp / m(direct, 'throughput'))} | ${fmt(tp / m(pipe, 'throughput'))} | ${fmt(m(row, 'p99') / m(pipe, 'p99'))} | ` +
          `${Number.isNaN(cpu) ? '' : fmt(cpu, 1)} | ${Number.isNaN(cpu) ? '' : fmt(cpu / median(pipe.cpuPerCall))} |`,
      )
    }
  }
}
lines.push('')
for (const r of rss.filter((x) => x.rss.length > 0)) {
  lines.push(`proxy RSS under 64-connection load (${r.transport}): median ${fmt(median(r.rss) / 2 ** 20, 1)} MiB, peak over the whole run ${fmt(r.maxRss / 2 ** 20, 1)} MiB`)
}
console.log(lines.join('\n'))
