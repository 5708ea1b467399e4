// Resource samples of the proxy process over a run: the table we print and the growth figures the
// soak asserts on (leaks show as growth after warm-up, not as a high but flat level).
import type { Sample } from './target.js'

const MiB = (n: number): string => (n / 1048576).toFixed(1)

export function sampleTable(samples: readonly Sample[]): string {
  const rows = ['    t(s)  rss(MiB)  heap(MiB)  heap total(MiB)  index mem(MiB)  fds  redis(MiB)  index(MiB)  proxy cpu(s)  upstream cpu(s)']
  for (const s of samples)
    rows.push(
      `${s.t.toFixed(0).padStart(8)}  ${MiB(s.rssBytes).padStart(8)}  ${MiB(s.heapUsedBytes).padStart(9)}  ${MiB(s.heapTotalBytes).padStart(15)}  ${MiB(s.indexMemoryBytes).padStart(14)}  ${String(s.fds).padStart(3)}  ${MiB(s.redisUsedBytes).padStart(10)}  ${MiB(s.indexDirBytes).padStart(10)}  ${s.proxyCpuS.toFixed(1).padStart(12)}  ${s.upstreamCpuS.toFixed(1).padStart(15)}`,
    )
  return rows.join('\n')
}

export interface Growth {
  /** Mean of the last third minus mean of the middle third (the first third is warm-up). */
  readonly thirds: number
  /** Lowest value of the last third minus lowest of the middle third: for a GC'd heap, the floor is what a leak raises. */
  readonly floor: number
  /** Least-squares slope over the samples after warm-up, per second. */
  readonly slopePerS: number
  readonly max: number
}

export function growth(samples: readonly Sample[], pick: (s: Sample) => number): Growth {
  const n = samples.length
  const third = Math.floor(n / 3)
  const mean = (xs: readonly Sample[]): number => xs.reduce((a, s) => a + pick(s), 0) / Math.max(1, xs.length)
  const middle = samples.slice(third, 2 * third)
  const last = samples.slice(2 * third)
  const after = samples.slice(third)
  const tm = after.reduce((a, s) => a + s.t, 0) / Math.max(1, after.length)
  const vm = mean(after)
  let num = 0
  let den = 0
  for (const s of after) {
    num += (s.t - tm) * (pick(s) - vm)
    den += (s.t - tm) ** 2
  }
  const min = (xs: readonly Sample[]): number => Math.min(...xs.map(pick))
  return { thirds: mean(last) - mean(middle), floor: min(last) - min(middle), slopePerS: den === 0 ? 0 : num / den, max: Math.max(...samples.map(pick)) }
}

export function growthLine(name: string, g: Growth, unit: 'MiB' | 'count'): string {
  const f = (v: number): string => (unit === 'MiB' ? `${MiB(v)} MiB` : v.toFixed(1))
  return `${name}: max ${f(g.max)}, last third − middle third ${f(g.thirds)} (floors ${f(g.floor)}), slope after warm-up ${unit === 'MiB' ? `${(g.slopePerS / 1024).toFixed(1)} KiB/s` : `${g.slopePerS.toFixed(3)}/s`}`
}
