// The Grafana dashboard (deploy/k8s/monitoring): valid JSON with the panels the issue asks for, querying
// only metrics thriftgate registers (a renamed metric must not leave an empty panel behind).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'k8s', 'monitoring', 'thriftgate-dashboard.json'), 'utf8')) as {
  uid: string
  panels: Array<{ id: number; title: string; targets: Array<{ expr: string }> }>
  templating: { list: Array<{ name: string; query: unknown }> }
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e)
    return statSync(p).isDirectory() ? (e === 'gen' ? [] : sources(p)) : p.endsWith('.ts') ? [p] : []
  })
}

test('the dashboard has hit ratio, latency percentiles, upstream errors and index lag panels', () => {
  assert.equal(dashboard.uid, 'thriftgate')
  const titles = dashboard.panels.map((p) => p.title)
  for (const want of [/hit ratio/i, /latency percentiles/i, /upstream errors/i, /index replication lag/i]) {
    assert.ok(titles.some((t) => want.test(t)), `a panel matching ${want}`)
  }
  const ids = dashboard.panels.map((p) => p.id)
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  const latency = dashboard.panels.find((p) => /latency percentiles/i.test(p.title))
  assert.deepEqual(latency?.targets.map((t) => /histogram_quantile\((0\.\d+)/.exec(t.expr)?.[1]), ['0.5', '0.9', '0.99'])
})

test('every metric the dashboard queries is registered by thriftgate', () => {
  const code = sources(join(ROOT, 'proxy')).map((f) => readFileSync(f, 'utf8')).join('\n')
  const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => JSON.stringify(v.query ?? ''))]
  const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bthriftgate_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))))
  assert.ok(used.size >= 6)
  const missing = [...used].filter((m) => !code.includes(`'${m}'`)).sort()
  assert.deepEqual(missing, [], 'metrics the dashboard queries but no code registers')
})
