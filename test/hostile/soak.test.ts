// Soak, CI size (SOAK_SECONDS, default 40): steady light load with connection and key churn through
// `thriftgate serve` with the cache (a 256 KiB in-process tier, far smaller than the 5,000-user key
// space, plus Redis) and the index (RocksDB). Every answer is checked; the proxy's RSS, heap, open
// descriptors, Redis memory and index size are sampled and must not grow after warm-up.
// The long run is bench/soak.bench.ts.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { growth, growthLine, sampleTable } from './samples.js'
import { runSoak } from './soak-run.js'
import { startTarget, type Target } from './target.js'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 40)
const KEY_SPACE = 5000
const WORKERS = 3
const MiB = 1024 * 1024

let target: Target
before(async () => {
  target = await startTarget({ seed: KEY_SPACE, memoryTier: '256KiB', maxFrameSize: 16_384_000, ttl: '20s' })
})
after(async () => {
  await target.stop()
})

test(`soak (${SECONDS} s, ${WORKERS} workers, ${KEY_SPACE} keys): answers right, no growth in RSS, heap, fds, Redis or index`, async () => {
  const r = await runSoak(target, { keySpace: KEY_SPACE, seconds: SECONDS, workers: WORKERS, pauseMs: 10, callsPerConnection: [5, 60], sampleEveryMs: 3000, seed: 1 })
  console.log(`${r.calls} calls (${r.writes} writes) over ${r.connections} connections, ${r.errorCount} errors`)
  console.log(sampleTable(r.samples))
  const rss = growth(r.samples, (s) => s.rssBytes)
  const heap = growth(r.samples, (s) => s.heapUsedBytes)
  const fds = growth(r.samples, (s) => s.fds)
  console.log([growthLine('RSS', rss, 'MiB'), growthLine('heap used', heap, 'MiB'), growthLine('fds', fds, 'count')].join('\n'))
  assert.deepEqual(r.errors, [], `${r.errorCount} errors`)
  assert.ok(r.samples.length >= 6, `only ${r.samples.length} samples`)
  assert.ok(r.connections > WORKERS * 2, 'connections churned')
  // Bounds from the config: the in-process tier is 256 KiB, so a steady state exists well within
  // these; a leak per call or per connection (thousands of each) exceeds them.
  assert.ok(rss.thirds < 32 * MiB, growthLine('RSS', rss, 'MiB'))
  assert.ok(heap.floor < 16 * MiB, growthLine('heap used', heap, 'MiB'))
  const first = r.samples[0]
  assert.ok(first !== undefined)
  // One client socket and one upstream socket per open connection, plus the pool and Redis.
  assert.ok(fds.max <= first.fds + 2 * WORKERS + 12, growthLine('fds', fds, 'count'))
  assert.ok(Math.max(...r.samples.map((s) => s.redisUsedBytes)) < 64 * MiB, 'Redis used_memory')
  assert.ok(Math.max(...r.samples.map((s) => s.indexDirBytes)) < 64 * MiB, 'index directory size')
  assert.equal(await target.metric('thriftgate_open_connections'), 0)
})
