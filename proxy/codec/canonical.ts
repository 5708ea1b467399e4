// The canonical bytes of a value: identical for the same logical value whatever protocol the
// client spoke and whatever order it wrote set elements and map entries in. Cache keys are
// built on it, so two encodings may share canonical bytes only if every receiver would decode
// them to the same thing.
//
// The form is the binary protocol's encoding (so it is readable with readStruct(..., 'binary')),
// normalised:
//  - struct fields sorted by id; a repeated id keeps the last occurrence (receivers keep the last);
//  - bools as 0/1; a binary bool byte other than 0/1 is INVALID_DATA here (receivers disagree on
//    it: Java reads false, C++/Python/Node true), so such a call gets no key and is not cached;
//  - set elements sorted by their canonical bytes, exact duplicates dropped;
//  - map entries sorted by their keys' canonical bytes; a repeated key keeps the last entry;
//  - list order kept;
//  - an empty container's element/key/value types written as 0 (the compact empty map 0x00 has
//    no types, and an empty container's type carries no value);
//  - STRING and BINARY are not distinguished: the wire has one type code (11) for both, so the
//    bytes are kept exactly, with no UTF-8 validation or normalisation;
//  - doubles keep their 64 bits: -0.0 and 0.0, or NaNs with different payloads, stay distinct
//    (at worst a cache miss, never a wrong hit).

import { ByteWriter } from './byte-writer.js'
import { canonicalBinaryEnd } from './canonical-check.js'
import { DEFAULT_LIMITS, TType, type CodecLimits, type Protocol } from './types.js'
import type { TField, TMapEntry, TValue } from './value.js'
import { canonStructFrom } from './canonical-stream.js'
import { encodeBinaryValue } from './value-writer.js'

interface Range {
  start: number
  end: number
  /** Map entries: where the key ends and the value begins. */
  keyEnd: number
  index: number
}

/** Bytewise order of the keys (set: the whole element), then arrival order. */
function compareKeys(buf: Buffer, a: Range, b: Range): number {
  // buf.compare(target, tStart, tEnd, sStart, sEnd) orders the source range (a) against the target (b).
  return buf.compare(buf, b.start, b.keyEnd, a.start, a.keyEnd)
}

/** Writes each element into scratch, sorts the byte ranges, and copies them out in order. */
function writeSorted(w: ByteWriter, items: readonly TValue[] | readonly TMapEntry[], isMap: boolean): void {
  if (items.length <= 1) {
    w.i32be(items.length)
    const only = items[0]
    if (only === undefined) return
    if (isMap) {
      canon(w, (only as TMapEntry).key)
      canon(w, (only as TMapEntry).value)
    } else canon(w, only as TValue)
    return
  }
  const scratch = new ByteWriter()
  const ranges: Range[] = []
  for (let i = 0; i < items.length; i++) {
    const start = scratch.length
    const item = items[i] as TValue | TMapEntry
    let keyEnd: number
    if (isMap) {
      const e = item as TMapEntry
      canon(scratch, e.key)
      keyEnd = scratch.length
      canon(scratch, e.value)
    } else {
      canon(scratch, item as TValue)
      keyEnd = scratch.length
    }
    ranges.push({ start, end: scratch.length, keyEnd, index: i })
  }
  const buf = scratch.finish()
  ranges.sort((a, b) => compareKeys(buf, a, b) || a.index - b.index)
  const kept: Range[] = []
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as Range
    const next = ranges[i + 1]
    // Equal keys sort by arrival: the last of a run is the one receivers keep.
    if (next !== undefined && compareKeys(buf, r, next) === 0) continue
    kept.push(r)
  }
  w.i32be(kept.length)
  for (const r of kept) w.bytes(buf.subarray(r.start, r.end))
}

function canonFields(w: ByteWriter, fields: readonly TField[]): void {
  // Generated code writes fields in id order: then there is nothing to sort or drop.
  let ordered = true
  for (let i = 1; i < fields.length && ordered; i++) ordered = (fields[i - 1] as TField).id < (fields[i] as TField).id
  if (ordered) {
    for (const f of fields) {
      w.u8(f.type)
      w.i16be(f.id)
      canon(w, f)
    }
    w.u8(TType.STOP)
    return
  }
  const byId = new Map<number, TField>()
  for (const f of fields) byId.set(f.id, f)
  const ids = [...byId.keys()].sort((a, b) => a - b)
  for (const id of ids) {
    const f = byId.get(id) as TField
    w.u8(f.type)
    w.i16be(id)
    canon(w, f)
  }
  w.u8(TType.STOP)
}

function canon(w: ByteWriter, v: TValue): void {
  switch (v.type) {
    case TType.STRUCT:
      return canonFields(w, v.value)
    case TType.LIST:
      w.u8(v.value.length === 0 ? 0 : v.elemType)
      w.i32be(v.value.length)
      for (const e of v.value) canon(w, e)
      return
    case TType.SET:
      w.u8(v.value.length === 0 ? 0 : v.elemType)
      return writeSorted(w, v.value, false)
    case TType.MAP:
      w.u8(v.value.length === 0 ? 0 : v.keyType)
      w.u8(v.value.length === 0 ? 0 : v.valueType)
      return writeSorted(w, v.value, true)
    default:
      // Scalars (incl. bools as 0/1 and doubles as their bits) are already canonical in binary.
      return encodeBinaryValue(w, v)
  }
}

/** Canonical bytes of a value (for a struct: its fields and the STOP byte). */
export function canonicalValue(v: TValue): Buffer {
  const w = new ByteWriter()
  canon(w, v)
  return w.finish()
}

/**
 * Canonical bytes of the struct at `structOffset` (e.g. a call's argument struct), straight from
 * the wire: the same bytes canonicalValue gives for its decoded tree, without building the tree.
 */
export function canonicalStruct(buf: Buffer, structOffset: number, protocol: Protocol, limits?: Partial<CodecLimits>): Buffer {
  const maxDepth = limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth
  if (protocol === 'binary') {
    // Usually a binary client's bytes are canonical already: then a copy is the whole job.
    const end = canonicalBinaryEnd(buf, structOffset, maxDepth)
    if (end >= 0) return Buffer.from(buf.subarray(structOffset, end))
  }
  const w = new ByteWriter()
  canonStructFrom({ buf, pos: structOffset, end: buf.length, maxDepth, compact: protocol === 'compact' }, 1, w)
  return w.finish()
}
