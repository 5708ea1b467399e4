// docs/metrics.md lists every metric the proxy exposes.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ProxyMetrics } from '../../proxy/admin/index.js'

test('every thriftgate_* metric is documented', async () => {
  const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8')
  const m = new ProxyMetrics({ stats: () => undefined, processMetrics: false })
  try {
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name)
    assert.ok(names.length > 10)
    const missing = names.filter((n) => !doc.includes(`\`${n}\``))
    assert.deepEqual(missing, [], 'add these to docs/metrics.md')
  } finally {
    m.close()
  }
})
