// Normalises `services.<S>.entities`: the entity struct, its key, indexes, the writes that change
// it and the lookups answered from the indexes. Every name is a field or argument name, so an
// entity needs the IDL; the index engineer's code reads the resolved ids from here.
import { DEFAULTS } from './defaults.js'
import type { IdlMethod, IdlService, IdlStruct } from './idl-model.js'
import type { IdlResolver } from './idl-resolver.js'
import type { RawEntity } from './raw.js'
import type { EntityConfig, EntityIndex, EntityLookup, EntityWrite, FieldRef } from './types.js'

function onlyArg(r: IdlResolver, path: string, m: IdlMethod | undefined, what: string): FieldRef | undefined {
  if (m === undefined) return undefined
  const [first, second] = m.args
  if (first === undefined || second !== undefined) {
    r.problem(path, `${m.name} has ${m.args.length} arguments: name the one that carries the ${what}`)
    return undefined
  }
  return { name: first.name, id: first.id }
}

export function normaliseEntity(r: IdlResolver, path: string, svc: IdlService | undefined, name: string, raw: RawEntity): EntityConfig {
  if (r.model === undefined) r.problem(path, 'entities name fields and arguments: they need the IDL (add an "idl:" list of .thrift files)')
  const struct: IdlStruct | undefined = r.struct(path, name)
  const quiet = r.model === undefined
  const field = (at: string, n: string): FieldRef => (quiet ? { name: n, id: undefined } : r.field(at, struct?.fields, n, `field of ${name}`))
  const arg = (at: string, m: IdlMethod | undefined, n: string): FieldRef =>
    quiet ? { name: n, id: undefined } : r.field(at, m?.args, n, `argument of ${m?.name ?? 'the method'}`)

  const get = r.method(`${path}.get`, svc, raw.get)
  if (get !== undefined && struct !== undefined && (get.returns?.kind !== 'struct' || get.returns.name !== struct.name)) {
    r.problem(`${path}.get`, `${raw.get} does not return ${name}`)
  }
  const key = field(`${path}.key`, raw.key)
  const getArg: FieldRef =
    get?.args.some((a) => a.name === raw.key) === true ? arg(`${path}.get`, get, raw.key) : (onlyArg(r, `${path}.get`, get, 'key') ?? { name: raw.key, id: undefined })

  const indexes = new Map<string, EntityIndex>()
  for (const [ix, def] of Object.entries(raw.indexes ?? {})) {
    indexes.set(ix, { name: ix, field: field(`${path}.indexes.${ix}${def.field === undefined ? '' : '.field'}`, def.field ?? ix), unique: def.unique ?? DEFAULTS.services.entities.indexes.unique })
  }

  const writes = new Map<string, EntityWrite>()
  for (const [wm, def] of Object.entries(raw.writes ?? {})) {
    const at = `${path}.writes.${wm}`
    const m = r.method(at, svc, wm)
    const kind = def.upsert !== undefined ? 'upsert' : 'delete'
    const argName = def.upsert ?? def.delete ?? ''
    const a = arg(`${at}.${kind}`, m, argName)
    const af = m?.args.find((x) => x.id === a.id)
    if (kind === 'upsert' && af !== undefined && struct !== undefined && (af.type.kind !== 'struct' || af.type.name !== struct.name)) {
      r.problem(`${at}.upsert`, `argument "${argName}" of ${wm} is not a ${name}`)
    }
    writes.set(wm, { method: wm, kind, arg: a })
  }

  const lookups = new Map<string, EntityLookup>()
  for (const [lm, def] of Object.entries(raw.lookups ?? {})) {
    const at = `${path}.lookups.${lm}`
    const m = r.method(at, svc, lm)
    if (!indexes.has(def.index)) r.problem(`${at}.index`, `no index "${def.index}" on ${name}; indexes: ${[...indexes.keys()].join(', ') || '(none)'}`)
    const range = def.range === undefined ? undefined : ([arg(`${at}.range[0]`, m, def.range[0]), arg(`${at}.range[1]`, m, def.range[1])] as const)
    const eqArg = def.arg !== undefined ? arg(`${at}.arg`, m, def.arg) : range === undefined && !quiet ? onlyArg(r, at, m, 'looked-up value') : undefined
    lookups.set(lm, {
      method: lm,
      index: def.index,
      arg: eqArg,
      range,
      order: def.order ?? DEFAULTS.services.entities.lookups.order,
      limit: def.limit === undefined ? undefined : arg(`${at}.limit`, m, def.limit),
    })
  }

  let scan: EntityConfig['scan']
  if (raw.scan !== undefined) {
    const at = `${path}.scan`
    const m = r.method(`${at}.method`, svc, raw.scan.method)
    scan = { method: raw.scan.method, after: arg(`${at}.after`, m, raw.scan.after), limit: arg(`${at}.limit`, m, raw.scan.limit) }
  }
  return { name, get: raw.get, key, getArg, indexes, writes, lookups, scan }
}
