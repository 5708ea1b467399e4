// The consistency checker's long configuration (test/consistency/): N thriftgate processes sharing
// one redis-server in front of one upstream process (every part its own process), many clients over
// a small key space, a seeded nemesis (kill -9, SIGSTOP/SIGCONT, latency bursts), then the history
// is checked against the upstream's own log. Prints operations by kind and outcome, the faults, the
// cross-proxy window measured, and the anomalies (each with the history around it). Exit 1 on any
// anomaly. The same seed gives the same operations and faults (timing, and so interleavings, vary).
//
//   node --import tsx bench/consistency.bench.ts [--seconds=300] [--seed=1] [--proxies=3] [--clients=16]
//        [--keys=8] [--window-ms=1000] [--cache-lookups] [--no-faults] [--save=run.json]
//   node --import tsx bench/consistency.bench.ts --recheck=run.json     (check a saved run again, no processes)
import { readFileSync, writeFileSync } from 'node:fs'
import { check } from '../test/consistency/checker.js'
import { failureReport, summary, type RunRecord } from '../test/consistency/report.js'
import { REDIS_SETTLE_MS, runConsistency, TTL_S } from '../test/consistency/run.js'

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const flag = (name: string): boolean => process.argv.includes(`--${name}`)

const recheck = arg('recheck', '')
if (recheck !== '') {
  const saved = JSON.parse(readFileSync(recheck, 'utf8')) as RunRecord
  const t = performance.now()
  const result = check(saved.history, saved.log, saved.faults, { keys: saved.keys, windowMs: saved.windowMs, ttlMs: TTL_S * 1000, redisSettleMs: REDIS_SETTLE_MS })
  const r = { ...saved, result }
  console.log(result.anomalies.length > 0 ? failureReport(r, 10) : summary(r))
  console.log(`checked ${saved.history.length} operations in ${(performance.now() - t).toFixed(0)} ms`)
  process.exit(result.anomalies.length > 0 ? 1 : 0)
}

const seed = Number(arg('seed', '1'))
const seconds = Number(arg('seconds', '300'))
const t0 = Date.now()
const r = await runConsistency({
  seed,
  seconds,
  proxies: Number(arg('proxies', '3')),
  clients: Number(arg('clients', '16')),
  keys: Number(arg('keys', '8')),
  windowMs: Number(arg('window-ms', '1000')),
  cacheLookups: flag('cache-lookups'),
  faults: flag('no-faults') ? [] : undefined,
  progress: (line) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${line}\n`),
})
const save = arg('save', '')
if (save !== '') writeFileSync(save, JSON.stringify(r))
console.log(r.result.anomalies.length > 0 ? failureReport(r, 10) : summary(r))
console.log(`command: node --import tsx bench/consistency.bench.ts --seconds=${seconds} --seed=${seed}${process.argv.slice(2).filter((a) => !a.startsWith('--seconds=') && !a.startsWith('--seed=')).map((a) => ` ${a}`).join('')}`)
process.exit(r.result.anomalies.length > 0 ? 1 : 0)
