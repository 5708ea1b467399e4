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
  const canon = (m.dialect.protocol === 'binary' ? alreadyCanonical(m.payload, m.bodyOffset) : undefined) ?? canonicalStruct(m.payload, m.bodyOffset, m.dialect.protocol)
  if (rule.vary.length === 0) return keyFromBytes(rule, canon)
  return keyFromBytes(rule, Buffer.concat([canon, ...varyParts(rule.vary, m)]))
}

// Binary value sizes of the scalar types whose binary encoding is already their canonical form
// (canonical.ts: the canonical form is the binary encoding with fields sorted by id; only bools,
// containers and nested structs are normalised, so they take the slow path).
const FIXED: Partial<Record<number, number>> = { [TType.I8]: 1, [TType.I16]: 2, [TType.I32]: 4, [TType.I64]: 8, [TType.DOUBLE]: 8 }

/**
 * The args struct itself when, in the binary protocol, it holds only scalar fields in ascending id
 * order (the common getUser(1: i64 id) shape): then its bytes are its canonical bytes and the
 * decode/re-encode of canonicalStruct can be skipped. Undefined means "take the slow path".
 */
export function alreadyCanonical(buf: Buffer, start: number): Buffer | undefined {
  let pos = start
  let lastId = -32769
  for (;;) {
    if (pos >= buf.length) return undefined
    const type = buf[pos] as number
    if (type === TType.STOP) return buf.subarray(start, pos + 1)
    if (pos + 3 > buf.length) return undefined
    const id = buf.readInt16BE(pos + 1)
    if (id <= lastId) return undefined
    lastId = id
    pos += 3
    const size = FIXED[type]
    if (size !== undefined) pos += size
    else if (type === TType.STRING && pos + 4 <= buf.length) {
      const len = buf.readInt32BE(pos)
      if (len < 0) return undefined
      pos += 4 + len
    } else return undefined
  }
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
