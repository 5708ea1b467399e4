// docs/metrics.md lists every metric thriftgate exposes: those the proxy registers here, and every
// thriftgate_* metric name written anywhere in proxy/ (cache, index).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { ProxyMetrics } from '../../proxy/admin/index.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const doc = readFileSync(join(root, 'docs', 'metrics.md'), 'utf8')
const undocumented = (names: Iterable<string>): string[] => [...new Set(names)].filter((n) => !doc.includes(`\`${n}\``)).sort()

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    if (e === 'gen') continue
    if (statSync(p).isDirectory()) sources(p, out)
    else if (p.endsWith('.ts')) out.push(p)
  }
  return out
}

test('every metric the proxy registers is documented', async () => {
  const m = new ProxyMetrics({ stats: () => undefined, processMetrics: false })
  try {
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name)
    assert.ok(names.length > 10)
    assert.deepEqual(undocumented(names), [], 'add these to docs/metrics.md')
  } finally {
    m.close()
  }
})

test('every thriftgate_* metric named in proxy/ is documented', () => {
  const names: string[] = []
  for (const f of sources(join(root, 'proxy'))) {
    for (const match of readFileSync(f, 'utf8').matchAll(/'(thriftgate_[a-z0-9_]+)'/g)) {
      // Histogram series (_bucket, _sum, _count) are documented under the histogram's name.
      names.push((match[1] ?? '').replace(/_(bucket|sum|count)$/, ''))
    }
  }
  assert.ok(names.length > 20)
  assert.deepEqual(undocumented(names), [], 'add these to docs/metrics.md')
})
