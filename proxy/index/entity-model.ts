// The index's view of one configured entity, resolved against the IDL to wire terms: field ids,
// key types, which argument of which method carries what, and what each method returns. Built once
// at startup; every failure is a TG_ERR_INDEX_CONFIG naming the config path.

import { TType } from '../codec/index.js'
import type { EntityConfig, FieldRef, IdlModel, IdlType } from '../config/index.js'
import { IndexError, IndexErrorCode } from './errors.js'
import type { KeyType } from './key-encoding.js'
import type { StoreEntitySpec } from './store.js'

export interface IndexModel {
  readonly name: string
  /** Position in the entity's index list (the reverse record's order). */
  readonly position: number
  readonly fieldId: number
  readonly type: KeyType
  readonly unique: boolean
}

export type LookupOrder = 'key' | 'index'

export interface LookupModel {
  readonly method: string
  readonly index: IndexModel
  /** Equality lookup: the argument holding the value. */
  readonly argId: number | undefined
  /** Range lookup: [lo, hi] argument ids, inclusive. */
  readonly range: readonly [number, number] | undefined
  readonly order: LookupOrder
  readonly limitId: number | undefined
  /** The method returns list<Entity> (else the Entity itself). */
  readonly returnsList: boolean
}

export interface WriteModel {
  readonly method: string
  readonly kind: 'upsert' | 'delete'
  readonly argId: number
  /** The write returns the entity (prefer it to the argument: it is what was stored). */
  readonly returnsEntity: boolean
}

export interface ScanModel {
  readonly method: string
  readonly afterId: number
  readonly limitId: number
  /** The limit argument's wire type (i16/i32/i64). */
  readonly limitTType: TType
  /** Where the entities are in the result's field 0: the value itself (list) or this field of a struct. */
  readonly listFieldId: number | undefined
}

export interface EntityModel {
  readonly service: string
  readonly name: string
  readonly keyFieldId: number
  readonly keyType: KeyType
  /** The key's Thrift type code (to build get/scan arguments). */
  readonly keyTType: TType
  readonly get: { readonly method: string; readonly argId: number }
  readonly indexes: readonly IndexModel[]
  readonly writes: ReadonlyMap<string, WriteModel>
  readonly lookups: ReadonlyMap<string, LookupModel>
  readonly scan: ScanModel | undefined
}

const BASE_KEY_TYPES: Record<string, [KeyType, TType]> = {
  bool: ['bool', TType.BOOL],
  byte: ['i8', TType.I8],
  i8: ['i8', TType.I8],
  i16: ['i16', TType.I16],
  i32: ['i32', TType.I32],
  i64: ['i64', TType.I64],
  double: ['double', TType.DOUBLE],
  string: ['string', TType.STRING],
  binary: ['binary', TType.STRING],
  uuid: ['uuid', TType.UUID],
}

function keyTypeOf(t: IdlType, at: string): [KeyType, TType] {
  if (t.kind === 'base') return BASE_KEY_TYPES[t.name]!
  if (t.kind === 'enum') return ['i32', TType.I32]
  throw new IndexError(IndexErrorCode.CONFIG, `${at}: a ${t.kind} field cannot be indexed (only base types and enums have an order)`)
}

function id(ref: FieldRef | undefined, at: string): number {
  if (ref?.id === undefined) throw new IndexError(IndexErrorCode.CONFIG, `${at}: "${ref?.name ?? '?'}" is not resolved (entities need the IDL)`)
  return ref.id
}

const isEntity = (t: IdlType | undefined, name: string): boolean => t?.kind === 'struct' && t.name === name
const isEntityList = (t: IdlType | undefined, name: string): boolean => t?.kind === 'list' && isEntity(t.elem, name)

export function resolveEntity(service: string, e: EntityConfig, idl: IdlModel | undefined): EntityModel {
  const at = `services.${service}.entities.${e.name}`
  const fail = (where: string, why: string): never => {
    throw new IndexError(IndexErrorCode.CONFIG, `${at}${where}: ${why}`)
  }
  if (idl === undefined) fail('', 'entities need the IDL (add an "idl:" list of .thrift files)')
  const svc = idl!.services.get(service) ?? fail('', `no service ${service} in the IDL`)
  const struct = idl!.structs.get(e.name) ?? fail('', `no struct ${e.name} in the IDL`)
  const fieldType = (fid: number, where: string): IdlType => struct.fields.find((f) => f.id === fid)?.type ?? fail(where, `no field ${fid} in ${e.name}`)
  const method = (name: string, where: string) => svc.methods.get(name) ?? fail(where, `no method ${name} in ${service}`)

  const keyFieldId = id(e.key, `${at}.key`)
  const [keyType, keyTType] = keyTypeOf(fieldType(keyFieldId, '.key'), `${at}.key`)
  const indexes: IndexModel[] = []
  for (const ix of e.indexes.values()) {
    const fieldId = id(ix.field, `${at}.indexes.${ix.name}`)
    const [type] = keyTypeOf(fieldType(fieldId, `.indexes.${ix.name}`), `${at}.indexes.${ix.name}`)
    indexes.push({ name: ix.name, position: indexes.length, fieldId, type, unique: ix.unique })
  }
  method(e.get, '.get')
  const writes = new Map<string, WriteModel>()
  for (const w of e.writes.values()) {
    const m = method(w.method, `.writes.${w.method}`)
    writes.set(w.method, { method: w.method, kind: w.kind, argId: id(w.arg, `${at}.writes.${w.method}`), returnsEntity: isEntity(m.returns, e.name) })
  }
  const lookups = new Map<string, LookupModel>()
  for (const l of e.lookups.values()) {
    const where = `.lookups.${l.method}`
    const m = method(l.method, where)
    const index = indexes.find((i) => i.name === l.index) ?? fail(where, `no index ${l.index}`)
    const returnsList = isEntityList(m.returns, e.name)
    if (!returnsList && !isEntity(m.returns, e.name)) fail(where, `${l.method} returns neither ${e.name} nor list<${e.name}>`)
    const range = l.range === undefined ? undefined : ([id(l.range[0], `${at}${where}.range`), id(l.range[1], `${at}${where}.range`)] as const)
    if (range === undefined && l.arg === undefined) fail(where, 'name the argument holding the looked-up value (arg:) or a range')
    if (!returnsList && (range !== undefined || !index.unique)) fail(where, `${l.method} returns one ${e.name}: it needs a unique index and an equality argument`)
    const order = (l.order as string) === 'index' ? 'index' : 'key'
    lookups.set(l.method, {
      method: l.method,
      index,
      argId: l.arg === undefined ? undefined : id(l.arg, `${at}${where}.arg`),
      range,
      order,
      limitId: l.limit === undefined ? undefined : id(l.limit, `${at}${where}.limit`),
      returnsList,
    })
  }
  let scan: ScanModel | undefined
  if (e.scan !== undefined) {
    const m = method(e.scan.method, '.scan')
    let listFieldId: number | undefined
    if (!isEntityList(m.returns, e.name)) {
      const r = m.returns
      const page = r?.kind === 'struct' ? idl!.structs.get(r.name) : undefined
      const lists = page?.fields.filter((f) => isEntityList(f.type, e.name)) ?? []
      if (lists.length !== 1) fail('.scan', `${e.scan.method} must return list<${e.name}> or a struct with one list<${e.name}> field`)
      listFieldId = lists[0]!.id
    }
    const limitId = id(e.scan.limit, `${at}.scan.limit`)
    const limitArg = m.args.find((a) => a.id === limitId)?.type
    const limitTType = limitArg?.kind === 'base' && (limitArg.name === 'i16' || limitArg.name === 'i64') ? BASE_KEY_TYPES[limitArg.name]![1] : TType.I32
    scan = { method: e.scan.method, afterId: id(e.scan.after, `${at}.scan.after`), limitId, limitTType, listFieldId }
  }
  return {
    service,
    name: e.name,
    keyFieldId,
    keyType,
    keyTType,
    get: { method: e.get, argId: id(e.getArg, `${at}.get`) },
    indexes,
    writes,
    lookups,
    scan,
  }
}

export function storeSpecOf(m: EntityModel): StoreEntitySpec {
  return { name: m.name, pkType: m.keyType, indexes: m.indexes.map((i) => ({ name: i.name, type: i.type, unique: i.unique })) }
}
