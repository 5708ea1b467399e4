// Validates Kubernetes objects against the JSON schemas generated from the official Kubernetes OpenAPI
// spec (kubernetes-models) and, for monitoring.coreos.com, from the prometheus-operator CRDs. The model
// class is found from apiVersion/kind, so an unknown kind fails loudly instead of passing unchecked.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

interface ModelClass {
  new (data: unknown): { validate(): void }
}

function modulePath(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/')
  const group = slash === -1 ? '' : apiVersion.slice(0, slash)
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1)
  if (!/^[a-z0-9.]*$/.test(group) || !/^v[0-9a-z]+$/.test(version) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    throw new Error(`not a Kubernetes apiVersion/kind: ${apiVersion} ${kind}`)
  }
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
  return group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`
}

/** Throws an Error naming the object and every schema violation. */
export async function validateResource(obj: unknown, where: string): Promise<void> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`${where}: not a Kubernetes object`)
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown }
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw new Error(`${where}: apiVersion and kind are required`)
  if (apiVersion === 'v1' && kind === 'List') {
    // kubectl's client-side List has no schema of its own: its items are what the API server sees.
    const items = (obj as { items?: unknown }).items
    if (!Array.isArray(items)) throw new Error(`${where}: a List needs items`)
    for (const [i, item] of items.entries()) await validateResource(item, `${where} items[${i}]`)
    return
  }
  let mod: Record<string, unknown>
  try {
    mod = (await import(modulePath(apiVersion, kind))) as Record<string, unknown>
  } catch (err) {
    throw new Error(`${where}: no schema for ${apiVersion} ${kind}`, { cause: err })
  }
  const Model = mod[kind] as ModelClass | undefined
  if (Model === undefined) throw new Error(`${where}: no schema for ${apiVersion} ${kind}`)
  try {
    new Model(obj).validate()
  } catch (err) {
    throw new Error(`${where} (${apiVersion} ${kind}) does not match the Kubernetes schema: ${(err as Error).message}`)
  }
}

export interface Located {
  readonly obj: unknown
  readonly where: string
}

/**
 * Unknown fields, as `kubectl apply --validate=strict` reports them. The OpenAPI-derived JSON schemas allow
 * extra properties, so a misspelt field (`readinesProbe`) would pass them; kubernetes-models' TypeScript
 * interfaces are generated from the same OpenAPI spec, and TypeScript's excess-property check on object
 * literals rejects any field they do not declare, at any depth. One `tsc` run checks every object.
 * Returns one message per problem, naming the object.
 */
export function unknownFields(objects: readonly Located[]): string[] {
  const flat: Located[] = []
  const add = (o: Located): void => {
    const v = o.obj as { apiVersion?: unknown; kind?: unknown; items?: unknown }
    if (v.apiVersion === 'v1' && v.kind === 'List' && Array.isArray(v.items)) v.items.forEach((it, i) => add({ obj: it, where: `${o.where} items[${i}]` }))
    else flat.push(o)
  }
  objects.forEach(add)
  const root = join(import.meta.dirname, '..', '..', '..')
  // Inside node_modules so that `kubernetes-models` resolves; never committed.
  const dir = mkdtempSync(join(root, 'node_modules', '.cache-tg-k8s-strict-'))
  try {
    const imports: string[] = []
    const lines: string[] = []
    const whereByLine = new Map<number, string>()
    flat.forEach((o, i) => {
      const { apiVersion, kind } = o.obj as { apiVersion: string; kind: string }
      imports.push(`import type { I${kind} as T${i} } from '${modulePath(apiVersion, kind)}'`)
      whereByLine.set(i, o.where)
      lines.push(`export const o${i}: T${i} = ${JSON.stringify(o.obj)}`)
    })
    writeFileSync(join(dir, 'check.ts'), [...imports, ...lines].join('\n') + '\n')
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true, types: [] }, files: ['check.ts'] }),
    )
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8', timeout: 120_000 })
    if (r.status === 0) return []
    const out = `${r.stdout}${r.stderr}`
    const problems = [...out.matchAll(/check\.ts\((\d+),\d+\): error (TS\d+: [^\n]*)/g)].map((m) => {
      const index = Number(m[1]) - 1 - flat.length
      return `${whereByLine.get(index) ?? `line ${m[1]}`}: ${m[2]}`
    })
    return problems.length > 0 ? problems : [`tsc failed: ${out.slice(0, 2000)}`]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
