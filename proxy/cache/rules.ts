// The cache's view of the `services` config: one ReadRule per cached method (with the state a hit
// needs, so the hot path does one Map lookup), one WriteRule per invalidating write, each target
// resolved to field-id paths. Calls arrive as "Service:method" (multiplexed) or a bare "method";
// the bare name finds a rule when exactly one configured service has that method.
import { TType } from '../codec/index.js'
import type { IdlField, IdlModel, IdlType, Invalidation, ServiceConfig } from '../config/index.js'
import { CacheError, CacheErrorCode } from './errors.js'
import type { MethodSlot } from './local-tier.js'

export interface ReadRule {
  readonly service: string
  readonly method: string
  /** "Service.method": the namespace of its keys in both tiers. */
  readonly methodId: string
  readonly slot: MethodSlot
  readonly ttlMs: number
  readonly graceMs: number
  readonly keepMs: number
  readonly negativeTtlMs: number
  /** Result-struct field ids of the declared exceptions that are cached. */
  readonly negativeIds: ReadonlySet<number>
  /** THeader info keys (exact bytes) whose values are part of the key. */
  readonly vary: readonly Buffer[]
  /** Argument ids of the method, when the IDL is known: a targeted invalidation must bind them all. */
  readonly argIds: readonly number[] | undefined
  /** Wire type of each argument by id, when the IDL is known. */
  readonly argTypes: ReadonlyMap<number, number> | undefined
}

export interface InvalidationTarget {
  readonly read: ReadRule
  /** Undefined: every entry of the method. Otherwise target arg id <- path of ids in the write's args. */
  readonly bindings: ReadonlyArray<{ readonly paramId: number; readonly source: readonly number[] }> | undefined
  readonly text: string
}

export interface WriteRule {
  readonly service: string
  readonly method: string
  readonly targets: readonly InvalidationTarget[]
}

export interface RuleSet {
  readonly reads: ReadonlyMap<string, ReadRule>
  readonly writes: ReadonlyMap<string, WriteRule>
  /** Every read rule, by methodId. */
  readonly byMethodId: ReadonlyMap<string, ReadRule>
  /** Read rules of one service. */
  readonly byService: ReadonlyMap<string, readonly ReadRule[]>
}

/** The wire type a Thrift IDL type is written as (enums are i32; binary is a string on the wire). */
export function wireType(t: IdlType): number {
  switch (t.kind) {
    case 'base':
      return (
        { bool: TType.BOOL, byte: TType.I8, i8: TType.I8, i16: TType.I16, i32: TType.I32, i64: TType.I64, double: TType.DOUBLE, string: TType.STRING, binary: TType.STRING, uuid: TType.UUID } as const
      )[t.name]
    case 'list':
      return TType.LIST
    case 'set':
      return TType.SET
    case 'map':
      return TType.MAP
    case 'struct':
      return TType.STRUCT
    case 'enum':
      return TType.I32
  }
}

export function buildRules(services: ReadonlyMap<string, ServiceConfig>, idl: IdlModel | undefined): RuleSet {
  const reads = new Map<string, ReadRule>()
  const writes = new Map<string, WriteRule>()
  const byMethodId = new Map<string, ReadRule>()
  const byService = new Map<string, ReadRule[]>()
  const bareCount = new Map<string, number>()
  for (const svc of services.values()) for (const m of [...svc.reads.keys(), ...svc.writes.keys()]) bareCount.set(m, (bareCount.get(m) ?? 0) + 1)

  for (const svc of services.values()) {
    const isvc = idl?.services.get(svc.name)
    const list: ReadRule[] = []
    for (const r of svc.reads.values()) {
      const im = isvc?.methods.get(r.method)
      const rule: ReadRule = {
        service: svc.name,
        method: r.method,
        methodId: `${svc.name}.${r.method}`,
        slot: { methodId: `${svc.name}.${r.method}`, gen: 0 },
        ttlMs: r.ttlMs,
        graceMs: r.graceMs,
        keepMs: Math.max(r.keepMs, r.ttlMs + r.graceMs),
        negativeTtlMs: r.negativeTtlMs,
        negativeIds: new Set(r.negative.flatMap((f) => (f.id === undefined ? [] : [f.id]))),
        vary: r.vary.map((k) => Buffer.from(k, 'utf8')),
        argIds: im?.args.map((a) => a.id),
        argTypes: im && new Map(im.args.map((a) => [a.id, wireType(a.type)])),
      }
      list.push(rule)
      byMethodId.set(rule.methodId, rule)
      reads.set(`${svc.name}:${r.method}`, rule)
      if (bareCount.get(r.method) === 1) reads.set(r.method, rule)
    }
    byService.set(svc.name, list)
  }

  for (const svc of services.values()) {
    const isvc = idl?.services.get(svc.name)
    for (const w of svc.writes.values()) {
      const targets: InvalidationTarget[] = []
      for (const inv of w.invalidates) {
        const read = byMethodId.get(`${svc.name}.${inv.method}`)
        if (read === undefined) continue // invalidating a method that is not cached: nothing to do
        targets.push({ read, text: inv.text, bindings: resolveBindings(svc.name, w.method, inv, read, isvc?.methods.get(w.method)?.args, idl) })
      }
      const rule: WriteRule = { service: svc.name, method: w.method, targets }
      writes.set(`${svc.name}:${w.method}`, rule)
      if (bareCount.get(w.method) === 1) writes.set(w.method, rule)
    }
  }
  return { reads, writes, byMethodId, byService }
}

type Inv = Invalidation
type IdlArgs = readonly IdlField[]

function resolveBindings(
  service: string,
  write: string,
  inv: Inv,
  read: ReadRule,
  writeArgs: IdlArgs | undefined,
  idl: IdlModel | undefined,
): InvalidationTarget['bindings'] {
  if (inv.bindings.length === 0) return undefined
  const where = `services.${service}.writes.${write}: "${inv.text}"`
  const out: { paramId: number; source: number[] }[] = []
  for (const b of inv.bindings) {
    const paramId = b.param.id
    const source = b.source.map((s) => s.id)
    if (paramId === undefined || source.some((s) => s === undefined)) {
      throw new CacheError(CacheErrorCode.BAD_RULE, `${where}: names need the IDL to resolve (give "idl:" or use field ids, e.g. getUser(1: 1.1))`)
    }
    out.push({ paramId, source: source as number[] })
    const want = read.argTypes?.get(paramId)
    const got = idl === undefined || writeArgs === undefined ? undefined : sourceType(idl, writeArgs, source as number[])
    if (want !== undefined && got !== undefined && want !== got) {
      throw new CacheError(CacheErrorCode.BAD_RULE, `${where}: argument ${paramId} of ${read.method} has wire type ${want} but the write's value has ${got}; the keys could never match`)
    }
  }
  // A key holds every argument the client sent; binding only some of them cannot name one entry,
  // so such a rule invalidates the whole method (correct, only coarser).
  if (read.argIds !== undefined && !read.argIds.every((id) => out.some((b) => b.paramId === id))) return undefined
  // With `vary`, one set of arguments maps to one entry per caller variant: drop them all.
  if (read.vary.length > 0) return undefined
  return out.sort((a, b) => a.paramId - b.paramId)
}

function sourceType(idl: IdlModel, args: IdlArgs, path: readonly number[]): number | undefined {
  let fields: IdlArgs | undefined = args
  let type: IdlType | undefined
  for (const id of path) {
    const f: IdlField | undefined = fields?.find((x) => x.id === id)
    if (f === undefined) return undefined
    type = f.type
    fields = f.type.kind === 'struct' ? idl.structs.get(f.type.name)?.fields : undefined
  }
  return type && wireType(type)
}
