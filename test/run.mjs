// Runs every *.test.ts under test/ (or under the paths given) with node's own test runner.
// Node 20's runner does not expand globs or find .ts files by itself, so we list them here.
// Usage: node test/run.mjs [path ...]
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

function collect(p, out) {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p).sort()) if (e !== 'gen' && e !== 'node_modules') collect(join(p, e), out)
  } else if (p.endsWith('.test.ts')) out.push(p)
  return out
}

const roots = process.argv.slice(2)
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []))
if (files.length === 0) {
  console.error(`no test files under ${roots.join(' ') || 'test'}`)
  process.exit(1)
}
const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism()))
// A hung test must fail, not eat CI's time: no single test may run longer than this.
const timeout = process.env.TEST_TIMEOUT_MS ?? '120000'
const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeout}`, ...files.map((f) => relative('.', f))]
const r = spawnSync(process.execPath, args, { stdio: 'inherit' })
process.exit(r.status ?? 1)
