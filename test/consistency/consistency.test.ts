// The consistency checker in its CI configuration: 3 thriftgate processes sharing one redis-server
// in front of one upstream process, 12 clients, 8 keys, 45 s of faults (kill -9, SIGSTOP, latency
// bursts) with a fixed seed, then the history is checked against the upstream's log (checker.ts).
// The long configuration is bench/consistency.bench.ts. On failure the offending operations, the
// history around them, the faults and the seed are printed.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import type { Anomaly } from './checker.js'
import { explain, summary, type RunRecord } from './report.js'
import { runConsistency } from './run.js'

const SEED = 20261127
let run: RunRecord

// 45 s of load and faults, plus starting and stopping 5 processes (slow on a loaded machine).
before(
  async () => {
    run = await runConsistency({ seed: SEED, seconds: 45, gapMs: [1000, 2500] })
    console.log(summary(run))
  },
  { timeout: 180_000 },
)

function verdict(anomalies: readonly Anomaly[]): string {
  return [`seed ${SEED}: ${anomalies.length} anomalies`, ...anomalies.slice(0, 5).map((a) => explain(run, a))].join('\n')
}

test('the run did work and injected faults', () => {
  assert.ok(run.history.length > 1000, `only ${run.history.length} operations`)
  assert.ok(run.faults.length >= 6, `only ${run.faults.length} faults`)
  for (const t of ['redis', 'upstream', 'proxy']) assert.ok(run.faults.some((f) => f.kind === 'kill' && f.target.startsWith(t)), `no kill of ${t}`)
  assert.ok(run.history.some((o) => o.op === 'put' && o.outcome === 'ok'))
})

test('no anomaly: writes exactly once; no read (getUser, point and range lookups) older than an acknowledged write', () => {
  assert.equal(run.result.anomalies.length, 0, verdict(run.result.anomalies))
})
