// Cache keys. An entry's identity is its method plus the canonical bytes of the call's argument
// struct (codec canonical.ts: the same for a compact and a binary client, whatever order they
// wrote set elements or map entries in), plus the values of the THeader info keys the read rule
// lists under `vary`, so replies that depend on the caller never leak between callers.
import { canonicalStruct, canonicalValue, TType, type Message, type TField, type TValue } from '../codec/index.js'
import type { ReadRule } from './rules.js'

/** Where an entry lives: `local` is the in-process Map key; `bytes` feed the Redis key's hash. */
export interface EntryKey {
  readonly rule: ReadRule
  readonly bytes: Buffer
  readonly local: string
}

const ABSENT = Buffer.from([0xff, 0xff, 0xff, 0xff])

export function keyFromBytes(rule: ReadRule, bytes: Buffer): EntryKey {
  // latin1 maps each byte to one UTF-16 unit: a lossless, cheap Map key.
  return { rule, bytes, local: `${rule.methodId}\u0000${bytes.toString('latin1')}` }
}

/** The key of a client's call (its args struct starts at bodyOffset). */
export function keyForCall(rule: ReadRule, m: Message): EntryKey {
  const canon = canonicalStruct(m.payload, m.bodyOffset, m.dialect.protocol)
  if (rule.vary.length === 0) return keyFromBytes(rule, canon)
  return keyFromBytes(rule, Buffer.concat([canon, ...varyParts(rule.vary, m)]))
}

/** The key of an args struct built by the proxy (invalidation targets, admin purge). */
export function keyForArgs(rule: ReadRule, fields: readonly TField[], vary?: ReadonlyMap<string, Buffer | undefined>): EntryKey {
  const canon = canonicalValue({ type: TType.STRUCT, value: fields })
  if (rule.vary.length === 0) return keyFromBytes(rule, canon)
  const parts: Buffer[] = [canon]
  for (const k of rule.vary) parts.push(...lengthPrefixed(vary?.get(k.toString('utf8'))))
  return keyFromBytes(rule, Buffer.concat(parts))
}

/** Builds a field of an args struct from a value. */
export function field(id: number, v: TValue): TField {
  return { ...v, id } as TField
}

function varyParts(keys: readonly Buffer[], m: Message): Buffer[] {
  const out: Buffer[] = []
  const info = m.header?.info
  for (const k of keys) {
    // THeader info keys are case-sensitive (THRIFT-WIRE-NOTES): compare bytes exactly.
    let value: Buffer | undefined
    if (info !== undefined) for (const kv of info) if (kv.key.equals(k)) value = kv.value // last wins
    out.push(...lengthPrefixed(value))
  }
  return out
}

// Length-prefixed so that ("ab","c") and ("a","bc") never collide; absent differs from empty.
function lengthPrefixed(v: Buffer | undefined): Buffer[] {
  if (v === undefined) return [ABSENT]
  const len = Buffer.allocUnsafe(4)
  len.writeUInt32BE(v.length)
  return [len, v]
}
