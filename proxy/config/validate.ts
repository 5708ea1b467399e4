// Structural validation against config/thriftgate.schema.json (ajv), with ajv's errors turned
// into one problem per config path in words a person can act on.
import { readFileSync } from 'node:fs'
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'
import type { ConfigProblem } from './errors.js'
import { didYouMean } from './suggest.js'
import { DURATION_HINT, HOST_PORT_HINT, SIZE_HINT } from './units.js'

// proxy/config/ and dist/config/ sit at the same depth below the package root.
export const SCHEMA_URL = new URL('../../config/thriftgate.schema.json', import.meta.url)

const Ajv = AjvModule.default
let compiled: ValidateFunction | undefined

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object
    compiled = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(schema)
  }
  return compiled
}

const HINTS: Record<string, string> = {
  duration: DURATION_HINT,
  size: SIZE_HINT,
  hostPort: HOST_PORT_HINT,
  positiveInt: 'expected a whole number of at least 1',
  identifier: 'expected a name made of letters, digits and _',
}

/** "/services/UserService/idl/0" -> "services.UserService.idl[0]". */
export function dottedPath(instancePath: string): string {
  let out = ''
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`
  }
  return out
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a map'
  // A URL's credentials are masked (a mistyped Redis URL still holds the real password).
  if (typeof v === 'string') return `"${v.replace(/\/\/[^@/]*@/, '//***@')}"`
  return String(v)
}

/** Keys whose values are secrets: a problem with them never quotes the value. */
const SECRET_KEY = /(^|\.)(adminToken|password|token)(\[\d+\])?$/

function problemOf(e: ErrorObject): ConfigProblem {
  const path = dottedPath(e.instancePath)
  const shown = SECRET_KEY.test(path) ? 'a value not shown here (it is a secret)' : describe(e.data)
  const def = /^#\/definitions\/([A-Za-z]+)\//.exec(e.schemaPath)?.[1]
  const hint = def === undefined ? undefined : HINTS[def]
  if (hint !== undefined && e.keyword !== 'propertyNames') return { path, problem: `${hint}; got ${shown}` }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty)
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      const hintText = known.length > 0 ? didYouMean(key, known) : ''
      return { path: join(path, key), problem: `unknown key${hintText}; allowed here: ${known.join(', ')}` }
    }
    case 'required':
      return { path: join(path, String((e.params as { missingProperty: string }).missingProperty)), problem: 'is required' }
    case 'type':
      return { path, problem: `expected ${String((e.params as { type: string }).type).replace(',', ' or ')}; got ${shown}` }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String)
      return { path, problem: `expected one of ${allowed.join(', ')}; got ${shown}${didYouMean(String(e.data), allowed)}` }
    }
    case 'propertyNames':
      return { path: join(path, String((e.params as { propertyName: string }).propertyName)), problem: 'is not a valid name (letters, digits and _)' }
    case 'pattern':
      if (path.endsWith('redis.url')) return { path, problem: `expected a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL; got ${shown}` }
      return { path, problem: `${e.message ?? 'does not match'}; got ${shown}` }
    default:
      return { path, problem: e.message ?? 'is invalid' }
  }
}

/** Schema problems in `raw` (already parsed YAML/JSON), one per path, in document order. */
export function schemaProblems(raw: unknown): ConfigProblem[] {
  const validate = validator()
  if (validate(raw)) return []
  const out: ConfigProblem[] = []
  const seen = new Set<string>()
  for (const e of validate.errors ?? []) {
    // propertyNames failures are reported twice by ajv: once for the inner rule, once as propertyNames.
    if (e.propertyName !== undefined && e.keyword !== 'propertyNames') continue
    const p = problemOf(e)
    if (seen.has(p.path)) continue
    seen.add(p.path)
    out.push(p)
  }
  return out
}
