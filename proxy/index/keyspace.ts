// Where things live in the RocksDB key space. One byte tag, then order-preserving components:
//
//   x | entity | index | value | pk   -> ''              index entry (unique and non-unique alike)
//   u | entity | index | value        -> pk              unique indexes: the last entity that claimed the value
//   r | entity | pk                   -> reverse record  (version + the entity's indexed values)
//   m | name [| entity]               -> meta            (clock, stream position, entity state)
//
// Every index entry keeps its primary key (unique indexes too), so entities that claim the same
// value are all visible to ranges and `index get`. A unique index's slot names only the last
// claimant: a point lookup trusts it no further than the entity it fetches (which must still hold
// the value), so a stale slot costs a forwarded call, never a wrong answer.

import { KeyWriter, prefixEnd } from './key-encoding.js'

const TAG_INDEX = Buffer.from('x')
const TAG_REVERSE = Buffer.from('r')
const TAG_META = Buffer.from('m')
const TAG_UNIQUE = Buffer.from('u')

/** Unique indexes also keep value -> pk, so a point lookup is one get instead of an iterator. */
export function uniquePrefix(entity: string, index: string): Buffer {
  return new KeyWriter(32).raw(TAG_UNIQUE).string(entity).string(index).finish()
}

export function entityUniqueRange(entity: string): { gte: Buffer; lt: Buffer } {
  const gte = new KeyWriter(32).raw(TAG_UNIQUE).string(entity).finish()
  return { gte, lt: prefixEnd(gte)! }
}

export function indexPrefix(entity: string, index: string): Buffer {
  return new KeyWriter(32).raw(TAG_INDEX).string(entity).string(index).finish()
}

/** `prefix` from indexPrefix; `value` and `pk` already encoded components. */
export function indexKey(prefix: Buffer, value: Buffer, pk: Buffer): Buffer {
  const b = Buffer.allocUnsafe(prefix.length + value.length + pk.length)
  prefix.copy(b, 0)
  value.copy(b, prefix.length)
  pk.copy(b, prefix.length + value.length)
  return b
}

export function reversePrefix(entity: string): Buffer {
  return new KeyWriter(32).raw(TAG_REVERSE).string(entity).finish()
}

export function reverseKey(prefix: Buffer, pk: Buffer): Buffer {
  return Buffer.concat([prefix, pk])
}

/** Every index entry of one entity (all its indexes): for clearing an entity. */
export function entityIndexRange(entity: string): { gte: Buffer; lt: Buffer } {
  const gte = new KeyWriter(32).raw(TAG_INDEX).string(entity).finish()
  return { gte, lt: prefixEnd(gte)! }
}

export function entityReverseRange(entity: string): { gte: Buffer; lt: Buffer } {
  const gte = reversePrefix(entity)
  return { gte, lt: prefixEnd(gte)! }
}

export function metaKey(name: string, entity?: string): Buffer {
  const w = new KeyWriter(32).raw(TAG_META).string(name)
  if (entity !== undefined) w.string(entity)
  return w.finish()
}
