// Where things live in the RocksDB key space. One byte tag, then order-preserving components:
//
//   x | entity | index | value | pk   -> ''              index entry (unique and non-unique alike)
//   r | entity | pk                   -> reverse record  (version + the entity's indexed values)
//   m | name [| entity]               -> meta            (clock, stream position, entity state)
//
// Keeping the primary key in every index entry (even for unique indexes) means two entities that
// briefly claim the same unique value (a write that bypassed the proxy) are both visible, so a point
// lookup sees the doubt and forwards instead of picking one.

import { KeyWriter, prefixEnd } from './key-encoding.js'

const TAG_INDEX = Buffer.from('x')
const TAG_REVERSE = Buffer.from('r')
const TAG_META = Buffer.from('m')

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
