// fast-check generators for the value model: random typed trees over every Thrift type,
// including doubles from raw bit patterns (NaN payloads, -0.0) and uuids.
import fc from 'fast-check'
import { TType } from '../../proxy/codec/types.js'
import { tv, type TField, type TMapEntry, type TStructValue, type TValue } from '../../proxy/codec/value.js'
import { canonicalValue } from '../../proxy/codec/canonical.js'

const scalarTypes: TType[] = [TType.BOOL, TType.I8, TType.I16, TType.I32, TType.I64, TType.DOUBLE, TType.STRING, TType.UUID]
const allTypes: TType[] = [...scalarTypes, TType.STRUCT, TType.LIST, TType.SET, TType.MAP]

export function arbType(depth: number): fc.Arbitrary<TType> {
  return fc.constantFrom(...(depth > 0 ? allTypes : scalarTypes))
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u))

const arbDouble: fc.Arbitrary<TValue> = fc.oneof(
  fc.double().map((d) => tv.double(d)),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((b) => tv.doubleBits(b)),
  fc.constantFrom(0x8000000000000000n, 0x7ff8000000000001n, 0xfff0000000000abcn).map((b) => tv.doubleBits(b)),
)

function sized<T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  // Mostly small; sometimes past 14 so compact's long list header (0xF nibble + varint) is used.
  return fc.oneof({ weight: 5, arbitrary: fc.array(a, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(a, { minLength: 15, maxLength: 18 }) })
}

export function arbValueOf(type: TType, depth: number): fc.Arbitrary<TValue> {
  switch (type) {
    case TType.BOOL:
      return fc.boolean().map(tv.bool)
    case TType.I8:
      return fc.integer({ min: -128, max: 127 }).map(tv.i8)
    case TType.I16:
      return fc.integer({ min: -32768, max: 32767 }).map(tv.i16)
    case TType.I32:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(tv.i32)
    case TType.I64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(tv.i64)
    case TType.DOUBLE:
      return arbDouble
    case TType.STRING:
      return bytes(12).map(tv.binary)
    case TType.UUID:
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => tv.uuid(Buffer.from(u)))
    case TType.STRUCT:
      return arbStruct(depth - 1)
    case TType.LIST:
    case TType.SET:
      return arbType(depth - 1).chain((et) =>
        sized(arbValueOf(et, depth - 1)).map((vs) => (type === TType.LIST ? tv.list(et, vs) : tv.set(et, vs))),
      )
    case TType.MAP:
      return fc.tuple(arbType(depth - 1), arbType(depth - 1)).chain(([kt, vt]) =>
        fc
          .array(fc.record({ key: arbValueOf(kt, depth - 1), value: arbValueOf(vt, depth - 1) }), { maxLength: 4 })
          .map((es) => tv.map(kt, vt, es.map((e): TMapEntry => ({ key: e.key, value: e.value })))),
      )
    default:
      throw new Error(`no arbitrary for ${type}`)
  }
}

export function arbStruct(depth = 3): fc.Arbitrary<TStructValue> {
  const field = fc.tuple(fc.integer({ min: -32768, max: 32767 }), arbType(Math.max(depth, 0))).chain(([id, t]) =>
    arbValueOf(t, Math.max(depth, 0)).map((v): TField => tv.field(id, v)),
  )
  // Unique ids (receivers keep the last of repeated ids, which would make reorder tests ambiguous).
  return fc.uniqueArray(field, { maxLength: 6, selector: (f) => f.id }).map(tv.struct)
}

/** What a compact round trip yields: an empty map has no types on the compact wire. */
export function compactView(v: TValue): TValue {
  switch (v.type) {
    case TType.STRUCT:
      return tv.struct(v.value.map((f) => tv.field(f.id, compactView(f))))
    case TType.LIST:
    case TType.SET:
      return { ...v, value: v.value.map(compactView) }
    case TType.MAP:
      if (v.value.length === 0) return tv.map(TType.STOP, TType.STOP, [])
      return { ...v, value: v.value.map((e) => ({ key: compactView(e.key), value: compactView(e.value) })) }
    default:
      return v
  }
}

/** The same logical value with set elements, map entries and struct fields in another order. */
export function shuffled(v: TValue, rnd: () => number): TValue {
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const a = [...xs]
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1))
      ;[a[i], a[j]] = [a[j] as T, a[i] as T]
    }
    return a
  }
  switch (v.type) {
    case TType.STRUCT:
      return tv.struct(shuffle(v.value.map((f) => tv.field(f.id, shuffled(f, rnd)))))
    case TType.LIST:
      return { ...v, value: v.value.map((e) => shuffled(e, rnd)) }
    case TType.SET:
      return { ...v, value: shuffle(v.value.map((e) => shuffled(e, rnd))) }
    case TType.MAP: {
      // Only entries with distinct keys may move: for a repeated key, the last one wins.
      const last = new Map<string, TMapEntry>()
      for (const e of v.value) last.set(canonicalValue(e.key).toString('hex'), e)
      return { ...v, value: shuffle([...last.values()].map((e) => ({ key: shuffled(e.key, rnd), value: shuffled(e.value, rnd) }))) }
    }
    default:
      return v
  }
}

/** A small deterministic PRNG for shuffles driven by a fast-check seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}
