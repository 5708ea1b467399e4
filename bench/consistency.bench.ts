// The consistency checker's long configuration (test/consistency/): N thriftgate processes sharing
// one redis-server in front of one upstream process (every part its own process), many clients over
// a small key space, a seeded nemesis (kill -9, SIGSTOP/SIGCONT, latency bursts), then the history
// is checked against the upstream's own log. Prints operations by kind and outcome, the faults, the
// cross-proxy window measured, and the anomalies (each with the history around it). Exit 1 on any
// anomaly. The same seed gives the same operations and faults (timing, and so interleavings, vary).
//
//   node --import tsx bench/consistency.bench.ts [--seconds=300] [--seed=1] [--proxies=3] [--clients=16]
//        [--keys=8] [--window-ms=1000] [--cache-lookups] [--no-faults]
import { failureReport, summary } from '../test/consistency/report.js'
import { runConsistency } from '../test/consistency/run.js'

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const flag = (name: string): boolean => process.argv.includes(`--${name}`)

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
console.log(r.result.anomalies.length > 0 ? failureReport(r, 10) : summary(r))
console.log(`command: node --import tsx bench/consistency.bench.ts --seconds=${seconds} --seed=${seed}${process.argv.slice(2).filter((a) => !a.startsWith('--seconds=') && !a.startsWith('--seed=')).map((a) => ` ${a}`).join('')}`)
process.exit(r.result.anomalies.length > 0 ? 1 : 0)
