// Listener fuzzing, long configuration: the CI fuzzer (test/hostile/fuzz.test.ts, fuzz-run.ts) run
// for minutes with more connections at once and longer pipelines. Prints the seed, the counts, the
// proxy's resource samples and every failure with the bytes that caused it (hex).
//
//   node --import tsx bench/fuzz.bench.ts [--seconds=600] [--seed=N] [--concurrency=4] [--max-repeat=300]
//        [--upstream=framed/binary]   (the demo upstream's dialect, e.g. header/compact+mux)
//
// --max-repeat above 20 includes long pipelines of writes (the CI run stays at 20; RELIABILITY.md).
import { formatFailure, runFuzz } from '../test/hostile/fuzz-run.js'
import { growth, growthLine, sampleTable } from '../test/hostile/samples.js'
import { captureSeeds } from '../test/hostile/seeds.js'
import { parseDialect, startTarget } from '../test/hostile/target.js'

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const seconds = Number(arg('seconds', '600'))
const seed = Number(arg('seed', String(Date.now() % 1_000_000_000)))
const concurrency = Number(arg('concurrency', '4'))
const maxRepeat = Number(arg('max-repeat', '300'))
const upstreamName = arg('upstream', 'framed/binary')
const MAX_FRAME = 1024 * 1024
const MiB = 1024 * 1024

const seeds = await captureSeeds()
const target = await startTarget({ seed: 200, memoryTier: '4MiB', maxFrameSize: MAX_FRAME, upstream: parseDialect(upstreamName) })
console.log(`fuzz seed ${seed}, ${seconds} s, ${concurrency} connections at once, pipelines up to ${maxRepeat}, upstream ${upstreamName}; ${seeds.length} seed messages (12 dialects)`)
const r = await runFuzz(target, seeds, {
  seed,
  seconds,
  concurrency,
  maxRepeat,
  maxFrameSize: MAX_FRAME,
  sampleEveryMs: Math.max(2000, (seconds * 1000) / 40),
  progress: (line) => console.log(`  ${line}`),
})
await target.stop()
console.log(
  `\n${r.cases} cases, ${r.connections} connections, ${(r.bytesSent / MiB).toFixed(1)} MiB sent; ${r.replies} replies, ${r.exceptions} TApplicationExceptions, ${r.closedByProxy} connections closed by the proxy`,
)
console.log(`canary: ${r.canaryCalls} calls answered right, ${r.canaryUpstreamTimeouts} answered with the proxy's timeout exception (upstream stalled)`)
console.log(sampleTable(r.samples))
console.log(growthLine('RSS', growth(r.samples, (s) => s.rssBytes), 'MiB'))
console.log(growthLine('heap used', growth(r.samples, (s) => s.heapUsedBytes), 'MiB'))
console.log(`\n${r.failures.length} failures${r.failures.length > 0 ? ` (seed ${seed}, max repeat ${maxRepeat}):` : ''}`)
for (const f of r.failures) console.log(formatFailure(seed, f))
// Exit explicitly: a fuzz socket Node never finished closing (see deliver.ts) must not keep the bench alive.
process.exit(r.failures.length > 0 ? 1 : 0)
