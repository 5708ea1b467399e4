// docs/errors.md lists every TG_ERR_ code that appears in proxy/.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'

const root = fileURLToPath(new URL('../../', import.meta.url))

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    if (e === 'gen' || e === 'node_modules') continue
    if (statSync(p).isDirectory()) sources(p, out)
    else if (p.endsWith('.ts')) out.push(p)
  }
  return out
}

test('every error code is documented', () => {
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
  const codes = new Set<string>()
  for (const f of sources(join(root, 'proxy'))) for (const m of readFileSync(f, 'utf8').matchAll(/'(TG_ERR_[A-Z0-9_]+)'/g)) codes.add(m[1] ?? '')
  assert.ok(codes.size > 20)
  const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``)).sort()
  assert.deepEqual(missing, [], 'add these codes to docs/errors.md')
})
