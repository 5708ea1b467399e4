// Arguments given as JSON (admin purge/inspect: `{"id": 42}`) turned into Thrift values, field
// names and types from the IDL. i64 accepts a number or a decimal string (JSON numbers lose
// precision past 2^53); binary is base64; enums accept their name or number; maps accept an
// object (string keys) or a list of [key, value] pairs.
import { TType, doubleToBits, type TField, type TValue } from '../codec/index.js'
import type { IdlField, IdlModel, IdlType } from '../config/index.js'
import { CacheError, CacheErrorCode } from './errors.js'
import { field } from './keys.js'
import { wireType } from './rules.js'

export function argsFromJson(idl: IdlModel, fields: readonly IdlField[], json: unknown, where: string): TField[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(where, 'expected an object of argument names to values')
  const out: TField[] = []
  const obj = json as Record<string, unknown>
  for (const name of Object.keys(obj)) {
    const f = fields.find((x) => x.name === name)
    if (f === undefined) throw bad(where, `no field "${name}" (known: ${fields.map((x) => x.name).join(', ') || 'none'})`)
    const v = obj[name]
    if (v === null || v === undefined) continue
    out.push(field(f.id, valueFromJson(idl, f.type, v, `${where}.${name}`)))
  }
  return out.sort((a, b) => a.id - b.id)
}

function valueFromJson(idl: IdlModel, t: IdlType, v: unknown, where: string): TValue {
  switch (t.kind) {
    case 'base':
      return baseValue(t.name, v, where)
    case 'enum': {
      if (typeof v === 'number' && Number.isInteger(v)) return { type: TType.I32, value: v }
      const n = typeof v === 'string' ? idl.enums.get(t.name)?.values.get(v) : undefined
      if (n === undefined) throw bad(where, `expected a value of enum ${t.name}`)
      return { type: TType.I32, value: n }
    }
    case 'struct': {
      const s = idl.structs.get(t.name)
      if (s === undefined) throw bad(where, `unknown struct ${t.name}`)
      return { type: TType.STRUCT, value: argsFromJson(idl, s.fields, v, where) }
    }
    case 'list':
    case 'set': {
      if (!Array.isArray(v)) throw bad(where, `expected an array for ${t.kind}`)
      const items = v.map((x, i) => valueFromJson(idl, t.elem, x, `${where}[${i}]`))
      return { type: t.kind === 'list' ? TType.LIST : TType.SET, elemType: wireType(t.elem) as TType, value: items } as TValue
    }
    case 'map': {
      const pairs: [unknown, unknown][] = Array.isArray(v) ? (v as [unknown, unknown][]) : typeof v === 'object' && v !== null ? Object.entries(v) : []
      if (!Array.isArray(v) && (typeof v !== 'object' || v === null)) throw bad(where, 'expected an object or [key, value] pairs for a map')
      const value = pairs.map(([k, x], i) => ({ key: valueFromJson(idl, t.key, k, `${where}{${i}}`), value: valueFromJson(idl, t.value, x, `${where}[${String(k)}]`) }))
      return { type: TType.MAP, keyType: wireType(t.key) as TType, valueType: wireType(t.value) as TType, value }
    }
  }
}

function baseValue(name: string, v: unknown, where: string): TValue {
  const int = (lo: number, hi: number): number => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) throw bad(where, `expected an integer in ${lo}..${hi}`)
    return n
  }
  switch (name) {
    case 'bool':
      if (typeof v !== 'boolean') throw bad(where, 'expected true or false')
      return { type: TType.BOOL, value: v }
    case 'byte':
    case 'i8':
      return { type: TType.I8, value: int(-128, 127) }
    case 'i16':
      return { type: TType.I16, value: int(-32768, 32767) }
    case 'i32':
      return { type: TType.I32, value: int(-(2 ** 31), 2 ** 31 - 1) }
    case 'i64': {
      let b: bigint
      if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v)
      else if (typeof v === 'string' && /^-?\d+$/.test(v)) b = BigInt(v)
      else throw bad(where, 'expected an integer (a decimal string for values past 2^53)')
      if (b < -(2n ** 63n) || b >= 2n ** 63n) throw bad(where, 'out of i64 range')
      return { type: TType.I64, value: b }
    }
    case 'double':
      if (typeof v !== 'number') throw bad(where, 'expected a number')
      return { type: TType.DOUBLE, value: v, bits: doubleToBits(v) }
    case 'string':
      if (typeof v !== 'string') throw bad(where, 'expected a string')
      return { type: TType.STRING, value: Buffer.from(v, 'utf8') }
    case 'binary':
      if (typeof v !== 'string') throw bad(where, 'expected base64 text')
      return { type: TType.STRING, value: Buffer.from(v, 'base64') }
    default:
      throw bad(where, `type ${name} is not supported in JSON arguments`)
  }
}

function bad(where: string, what: string): CacheError {
  return new CacheError(CacheErrorCode.BAD_REQUEST, `${where}: ${what}`)
}
