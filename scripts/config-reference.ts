// Writes docs/config-reference.md from config/thriftgate.schema.json: every key with its type,
// default and description. The schema is the one source (it is also what validates a config), so
// the reference cannot drift from it; test/config/reference.test.ts fails when the committed file is
// out of date. Run: npm run config-reference (or with --check: exit 1 when the file is stale).
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const SCHEMA_FILE = fileURLToPath(new URL('../config/thriftgate.schema.json', import.meta.url))
export const REFERENCE_FILE = fileURLToPath(new URL('../docs/config-reference.md', import.meta.url))

/** The parts of JSON Schema draft-07 the config schema uses. */
export interface SchemaNode {
  readonly $ref?: string
  readonly type?: string | readonly string[]
  readonly enum?: readonly unknown[]
  readonly description?: string
  readonly default?: unknown
  readonly properties?: Readonly<Record<string, SchemaNode>>
  readonly additionalProperties?: SchemaNode | boolean
  readonly required?: readonly string[]
  readonly items?: SchemaNode
  readonly minItems?: number
  readonly maxItems?: number
  readonly minimum?: number
  readonly definitions?: Readonly<Record<string, SchemaNode>>
}

export interface ReferenceRow {
  /** Dotted key; map levels appear as placeholders, e.g. services.<Service>.reads.<method>.ttl. */
  readonly path: string
  readonly type: string
  readonly required: boolean
  /** The schema's `default`, when it has one. */
  readonly default: unknown
  readonly hasDefault: boolean
  readonly description: string
}

/** Names of the value formats (definitions) as a reader knows them. */
const FORMAT_NAMES: Readonly<Record<string, string>> = {
  duration: 'duration',
  size: 'size',
  hostPort: 'host:port',
  positiveInt: 'integer ≥ 1',
  identifier: 'name',
  methodList: 'list of names',
}

/** What the keys of a map stand for, by the map's own key. */
const MAP_KEYS: Readonly<Record<string, string>> = { services: 'Service', entities: 'Struct', indexes: 'name' }

function resolve(root: SchemaNode, node: SchemaNode): { node: SchemaNode; format: string | undefined } {
  if (node.$ref === undefined) return { node, format: undefined }
  const name = node.$ref.replace('#/definitions/', '')
  const def = root.definitions?.[name]
  if (def === undefined) throw new Error(`schema: unknown $ref ${node.$ref}`)
  const inner = resolve(root, def)
  // Keywords beside $ref (description, default) describe this use of the definition.
  return { node: { ...inner.node, ...node, $ref: undefined }, format: FORMAT_NAMES[name] ?? inner.format }
}

function typeOf(root: SchemaNode, n: SchemaNode, format: string | undefined): string {
  if (format !== undefined) return format
  if (n.enum !== undefined) return n.enum.map((v) => `\`${String(v)}\``).join(' \\| ')
  const t = typeof n.type === 'string' || n.type === undefined ? n.type : n.type.join(' or ')
  if (t === 'array' && n.items !== undefined) {
    const item = resolve(root, n.items)
    const count = n.minItems !== undefined && n.minItems === n.maxItems ? `${n.minItems} ` : ''
    const each = typeOf(root, item.node, item.format)
    return `list of ${count}${/^[a-z]+$/.test(each) ? `${each}s` : each}`
  }
  if (t === 'object' || (t === undefined && n.properties !== undefined)) return 'map'
  return t ?? 'any'
}

function walk(root: SchemaNode, raw: SchemaNode, path: string, required: boolean, rows: ReferenceRow[]): void {
  const { node, format } = resolve(root, raw)
  const isObject = node.properties !== undefined || typeof node.additionalProperties === 'object'
  if (path !== '') {
    rows.push({
      path,
      type: typeOf(root, node, format),
      required,
      default: node.default,
      hasDefault: 'default' in node && node.default !== undefined,
      description: node.description ?? '',
    })
  }
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    walk(root, child, path === '' ? key : `${path}.${key}`, node.required?.includes(key) ?? false, rows)
  }
  if (typeof node.additionalProperties === 'object') {
    const last = path.split('.').pop() ?? ''
    const entry = `${path}.<${MAP_KEYS[last] ?? 'method'}>`
    const value = resolve(root, node.additionalProperties).node
    // A map of objects: the entry's keys follow; a row for the entry itself only when it says something.
    if (value.properties !== undefined && value.description === undefined) {
      for (const [key, child] of Object.entries(value.properties)) walk(root, child, `${entry}.${key}`, value.required?.includes(key) ?? false, rows)
    } else if (isObject) {
      walk(root, node.additionalProperties, entry, false, rows)
    }
  }
}

/** Every key of the schema, depth first in schema order. */
export function referenceRows(schema: SchemaNode): ReferenceRow[] {
  const rows: ReferenceRow[] = []
  walk(schema, schema, '', false, rows)
  return rows
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ')
}

function shownDefault(r: ReferenceRow): string {
  if (r.required) return '**required**'
  if (!r.hasDefault) return '—'
  return `\`${typeof r.default === 'string' ? r.default : JSON.stringify(r.default)}\``
}

export function renderReference(schema: SchemaNode): string {
  const rows = referenceRows(schema)
  const out: string[] = [
    '# Config reference',
    '',
    '<!-- Generated by `npm run config-reference` from config/thriftgate.schema.json: do not edit by hand. -->',
    '',
    'Every key of the config file, generated from [`config/thriftgate.schema.json`](../config/thriftgate.schema.json)',
    '(the schema that validates a config, so this list cannot drift from it). Value formats (duration, size,',
    'host:port), flags, environment variables and longer explanations are in [configuration.md](configuration.md).',
    '`<Service>`, `<method>`, `<Struct>` and `<name>` stand for the keys of a map. "—": no default (the feature is off, or',
    'the description says what applies).',
  ]
  const sections = new Map<string, ReferenceRow[]>()
  for (const r of rows) {
    const top = r.path.split('.')[0] ?? ''
    const isSection = rows.some((x) => x.path.startsWith(`${top}.`))
    const name = isSection ? top : ''
    sections.set(name, [...(sections.get(name) ?? []), r])
  }
  for (const [name, list] of sections) {
    out.push('', name === '' ? '## Top level' : `## \`${name}\``, '', '| key | type | default | description |', '|---|---|---|---|')
    for (const r of list) out.push(`| \`${r.path}\` | ${r.type} | ${shownDefault(r)} | ${cell(r.description)} |`)
  }
  return `${out.join('\n')}\n`
}

export function readSchema(file = SCHEMA_FILE): SchemaNode {
  return JSON.parse(readFileSync(file, 'utf8')) as SchemaNode
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderReference(readSchema())
  if (process.argv.includes('--check')) {
    const current = readFileSync(REFERENCE_FILE, 'utf8')
    if (current !== text) {
      process.stderr.write('docs/config-reference.md is out of date: run npm run config-reference\n')
      process.exit(1)
    }
  } else {
    writeFileSync(REFERENCE_FILE, text)
    process.stdout.write(`wrote docs/config-reference.md (${text.split('\n').length} lines)\n`)
  }
}
