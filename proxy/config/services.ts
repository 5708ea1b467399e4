// Normalises the `services` section: durations to ms, invalidation expressions parsed, and every
// service, method, argument and field name checked against the IDL (ids filled in) when one is given.
import { fieldByName, type IdlMethod, type IdlService } from './idl-model.js'
import type { IdlResolver } from './idl-resolver.js'
import { InvalidationSyntaxError, parseInvalidation, type PathSegment } from './invalidation.js'
import { DEFAULTS } from './defaults.js'
import { normaliseEntity } from './entities.js'
import type { RawRead, RawService } from './raw.js'
import type { EntityConfig, FieldRef, Invalidation, ReadConfig, ServiceConfig, WriteConfig } from './types.js'
import { parseDuration } from './units.js'

/** Schema validation already checked the format; this only converts. */
function ms(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : (parseDuration(text) ?? fallback)
}

function normaliseRead(r: IdlResolver, path: string, method: string, m: IdlMethod | undefined, raw: RawRead): ReadConfig {
  const ttlMs = ms(raw.ttl, 0)
  const d = DEFAULTS.services.reads
  const graceMs = ms(raw.grace ?? d.grace, 0)
  const keepMs = ms(raw.keep, ttlMs + graceMs)
  if (keepMs < ttlMs + graceMs) r.problem(`${path}.keep`, 'must be at least ttl + grace')
  if (m?.oneway === true) r.problem(path, `"${method}" is oneway: it has no reply to cache`)
  if (m !== undefined && m.returns === undefined && m.throws.length === 0) r.problem(path, `"${method}" returns void: there is nothing to cache`)
  const negative = (raw.negative ?? []).map((name, i): FieldRef =>
    r.field(`${path}.negative[${i}]`, m?.throws, name, `declared exception of ${method}`),
  )
  if (raw.negativeTtl !== undefined && negative.length === 0) r.problem(`${path}.negativeTtl`, 'is set but "negative" lists no exceptions to cache')
  return {
    method,
    ttlMs,
    graceMs,
    keepMs,
    negativeTtlMs: ms(raw.negativeTtl ?? d.negativeTtl, 0),
    negative,
    vary: raw.vary ?? [],
  }
}

function resolvePath(r: IdlResolver, path: string, write: IdlMethod | undefined, source: readonly PathSegment[]): PathSegment[] {
  const out: PathSegment[] = []
  let fields = write?.args
  for (const [i, seg] of source.entries()) {
    if (seg.name === undefined) {
      const f = fields?.find((x) => x.id === seg.id)
      out.push({ name: f?.name, id: seg.id })
      fields = f !== undefined && i + 1 < source.length ? r.structFields(path, f) : undefined
      continue
    }
    const ref = r.field(path, fields, seg.name, i === 0 ? `argument of ${write?.name ?? 'the write'}` : 'field', true)
    out.push({ name: seg.name, id: ref.id })
    const f = fields === undefined ? undefined : fieldByName(fields, seg.name)
    fields = i + 1 < source.length ? r.structFields(path, f) : undefined
    if (ref.id === undefined) break
  }
  return out
}

function normaliseWrite(r: IdlResolver, path: string, svc: IdlService | undefined, method: string, write: IdlMethod | undefined, texts: readonly string[]): WriteConfig {
  const invalidates: Invalidation[] = []
  for (const [i, text] of texts.entries()) {
    const at = `${path}.invalidates[${i}]`
    let expr
    try {
      expr = parseInvalidation(text)
    } catch (err) {
      if (!(err instanceof InvalidationSyntaxError)) throw err
      r.problem(at, err.message)
      continue
    }
    const read = r.method(at, svc, expr.method)
    const bindings = expr.bindings.map((b) => {
      const param: PathSegment =
        b.param.name === undefined
          ? { name: read?.args.find((a) => a.id === b.param.id)?.name, id: b.param.id }
          : { name: b.param.name, id: r.field(at, read?.args, b.param.name, `argument of ${expr.method}`, true).id }
      return { param, source: resolvePath(r, at, write, b.source) }
    })
    for (const b of bindings) {
      if (b.param.id === undefined || b.source.some((s) => s.id === undefined)) continue
      if (read !== undefined && !read.args.some((a) => a.id === b.param.id)) r.problem(at, `${expr.method} has no argument with id ${b.param.id}`)
    }
    invalidates.push({ text: expr.text, method: expr.method, bindings })
  }
  return { method, invalidates }
}

export function normaliseService(r: IdlResolver, name: string, raw: RawService): ServiceConfig {
  const path = `services.${name}`
  const svc = r.service(path, name)
  const timeoutsMs = new Map<string, number>()
  for (const [m, d] of Object.entries(raw.timeouts ?? {})) {
    r.method(`${path}.timeouts.${m}`, svc, m)
    timeoutsMs.set(m, ms(d, 0))
  }
  const oneway = new Set<string>()
  for (const [i, m] of (raw.oneway ?? []).entries()) {
    const im = r.method(`${path}.oneway[${i}]`, svc, m)
    if (im !== undefined && !im.oneway) r.problem(`${path}.oneway[${i}]`, `the IDL declares "${m}" with a reply (not oneway); listing it here would drop its replies`)
    oneway.add(m)
  }
  for (const m of svc?.methods.values() ?? []) if (m.oneway) oneway.add(m.name)

  const reads = new Map<string, ReadConfig>()
  for (const [m, rr] of Object.entries(raw.reads ?? {})) {
    const at = `${path}.reads.${m}`
    reads.set(m, normaliseRead(r, at, m, r.method(at, svc, m), rr))
  }
  const writes = new Map<string, WriteConfig>()
  for (const [m, w] of Object.entries(raw.writes ?? {})) {
    const at = `${path}.writes.${m}`
    if (reads.has(m)) r.problem(at, `"${m}" is also listed under reads: a method is either a read or a write`)
    writes.set(m, normaliseWrite(r, at, svc, m, r.method(at, svc, m), w.invalidates))
  }
  const entities = new Map<string, EntityConfig>()
  for (const [e, raw2] of Object.entries(raw.entities ?? {})) entities.set(e, normaliseEntity(r, `${path}.entities.${e}`, svc, e, raw2))
  return { name, timeoutsMs, oneway, reads, writes, entities }
}
