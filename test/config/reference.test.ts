// The generated config reference: docs/config-reference.md matches what the schema generates; every
// schema key says what it is; the schema's defaults are the code's defaults.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { DEFAULTS } from '../../proxy/config/index.js'
import { DEFAULT_STREAM } from '../../proxy/index/index.js'
import { DEFAULT_INDEX_LIMITS } from '../../proxy/index/runtime.js'
import { REFERENCE_FILE, readSchema, referenceRows, renderReference } from '../../scripts/config-reference.js'

const rows = referenceRows(readSchema())

/** DEFAULTS as dotted paths: objects are walked, arrays and scalars are values. */
function flatten(o: object, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [k, v] of Object.entries(o)) {
    const path = prefix === '' ? k : `${prefix}.${k}`
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [p, x] of flatten(v as object, path)) out.set(p, x)
    else out.set(path, v)
  }
  return out
}
/** services.<Service>.reads.<method>.grace -> services.reads.grace (DEFAULTS leaves map levels out). */
const withoutMapKeys = (path: string): string => path.split('.').filter((s) => !s.startsWith('<')).join('.')

test('docs/config-reference.md is what the schema generates (run: npm run config-reference)', () => {
  assert.equal(readFileSync(REFERENCE_FILE, 'utf8'), renderReference(readSchema()), 'docs/config-reference.md is out of date: run npm run config-reference and commit it')
})

test('every schema key has a description', () => {
  const missing = rows.filter((r) => r.description.trim() === '').map((r) => r.path)
  assert.deepEqual(missing, [], `add a "description" to these keys in config/thriftgate.schema.json: ${missing.join(', ')}`)
})

test('every code default is the schema default of that key, and the schema has no default the code lacks', () => {
  const code = flatten(DEFAULTS)
  const byPath = new Map(rows.map((r) => [withoutMapKeys(r.path), r]))
  for (const [path, value] of code) {
    const row = byPath.get(path)
    assert.ok(row !== undefined, `DEFAULTS.${path} has no key in the schema`)
    assert.ok(row.hasDefault, `${row.path}: the code defaults it to ${JSON.stringify(value)}; add "default": ${JSON.stringify(value)} to the schema`)
    assert.deepEqual(row.default, value, `${row.path}: schema default ${JSON.stringify(row.default)}, code default ${JSON.stringify(value)}`)
  }
  for (const r of rows.filter((x) => x.hasDefault)) {
    assert.ok(code.has(withoutMapKeys(r.path)), `${r.path}: the schema says default ${JSON.stringify(r.default)}; add it to proxy/config/defaults.ts (and use it there)`)
  }
})

test('the index defaults in DEFAULTS are the ones proxy/index applies', () => {
  assert.equal(DEFAULTS.index.maxRangeScan, DEFAULT_INDEX_LIMITS.maxRangeScan)
  assert.equal(DEFAULTS.index.fetchConcurrency, DEFAULT_INDEX_LIMITS.fetchConcurrency)
  assert.equal(DEFAULTS.index.replication.stream, DEFAULT_STREAM)
})

test('a required key is never also given a default', () => {
  for (const r of rows) assert.ok(!(r.required && r.hasDefault), `${r.path} is required and has a default`)
})
