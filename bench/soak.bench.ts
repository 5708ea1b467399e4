// Soak, long configuration: the CI soak (test/hostile/soak.test.ts, soak-run.ts) for minutes, with
// a larger key space and more workers. Prints the resource samples (RSS, heap, fds, Redis memory,
// index size, CPU) and their growth after warm-up (last third vs middle third, and the slope).
//
//   node --import tsx bench/soak.bench.ts [--seconds=600] [--workers=6] [--keys=20000] [--pause-ms=5]
//        [--write-buffer=16MiB]   (index.writeBufferSize: RocksDB's memtable, at most two kept)
import { growth, growthLine, sampleTable } from '../test/hostile/samples.js'
import { runSoak } from '../test/hostile/soak-run.js'
import { startTarget } from '../test/hostile/target.js'

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const seconds = Number(arg('seconds', '600'))
const workers = Number(arg('workers', '6'))
const keys = Number(arg('keys', '20000'))
const pauseMs = Number(arg('pause-ms', '5'))
const writeBuffer = arg('write-buffer', '16MiB')

const target = await startTarget({ seed: keys, memoryTier: '1MiB', maxFrameSize: 16_384_000, ttl: '60s', writeBufferSize: writeBuffer })
console.log(`soak: ${seconds} s, ${workers} workers, ${keys} keys (in-process tier 1 MiB, Redis tier, RocksDB index, write buffer ${writeBuffer}), pause ${pauseMs} ms between calls`)
const r = await runSoak(target, {
  keySpace: keys,
  seconds,
  workers,
  pauseMs,
  callsPerConnection: [5, 200],
  sampleEveryMs: Math.max(3000, (seconds * 1000) / 40),
  seed: 1,
  progress: (line) => console.log(`  ${line}`),
})
const open = target.exit === undefined ? await target.metric('thriftgate_open_connections') : -1
await target.stop()
console.log(`\n${r.calls} calls (${r.writes} writes) over ${r.connections} connections, ${r.errorCount} errors; open connections at the end: ${open}`)
console.log(sampleTable(r.samples))
console.log(growthLine('RSS', growth(r.samples, (s) => s.rssBytes), 'MiB'))
console.log(growthLine('heap used', growth(r.samples, (s) => s.heapUsedBytes), 'MiB'))
console.log(growthLine('heap total', growth(r.samples, (s) => s.heapTotalBytes), 'MiB'))
console.log(growthLine('index memory', growth(r.samples, (s) => s.indexMemoryBytes), 'MiB'))
console.log(growthLine('fds', growth(r.samples, (s) => s.fds), 'count'))
console.log(growthLine('Redis used_memory', growth(r.samples, (s) => s.redisUsedBytes), 'MiB'))
console.log(growthLine('index dir', growth(r.samples, (s) => s.indexDirBytes), 'MiB'))
for (const e of r.errors) console.log(`- ${e}`)
process.exit(r.errorCount > 0 ? 1 : 0)
