// Regression: fuzz seed 777 (RELIABILITY.md, "v8-bigint-phi") killed `thriftgate serve` with SIGTRAP:
// V8's optimising compiler on Node 20 aborted (RepresentationChangerError, a Phi of kRepTagged
// (UnsignedBigInt64) that cannot become kRepWord64) when readVarint64, inlined into zigzagToI64,
// returned a BigInt.asUintN(64) result on one path and BigInt(number) on the other. The fault is
// fatal to the process, so the hot loop runs in a child and must exit 0 with exact round trips.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const LOOP = fileURLToPath(new URL('./fixtures/bigint-phi-loop.ts', import.meta.url))

test('v8-bigint-phi: compact i64 decoding stays alive once TurboFan optimises it', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', LOOP], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.signal, null, `child killed by ${r.signal}: ${r.stderr.slice(0, 600)}`)
  assert.equal(r.status, 0, r.stderr.slice(0, 600))
  assert.equal(r.stdout.trim(), 'ok')
})
