// Between the codec's value model and key components: the encoded value of an entity's field, and
// the Thrift value back from stored bytes (for cache invalidation of old values).

import { TType, getField, tv, type TStructValue, type TValue } from '../codec/index.js'
import { KeyReader, KeyWriter, type KeyType } from './key-encoding.js'
import type { EntityModel } from './entity-model.js'

const writer = new KeyWriter(128)

/** The encoded component of a value of `type`, or undefined when the wire type does not match. */
export function encodeValue(type: KeyType, v: TValue): Buffer | undefined {
  writer.reset()
  switch (v.type) {
    case TType.BOOL:
      if (type !== 'bool') return undefined
      return writer.bool(v.value).finish()
    case TType.I8:
      if (type !== 'i8') return undefined
      return writer.i8(v.value).finish()
    case TType.I16:
      if (type !== 'i16') return undefined
      return writer.i16(v.value).finish()
    case TType.I32:
      if (type !== 'i32') return undefined
      return writer.i32(v.value).finish()
    case TType.I64:
      if (type !== 'i64') return undefined
      return writer.i64(v.value).finish()
    case TType.DOUBLE:
      if (type !== 'double') return undefined
      return writer.double(v.value).finish()
    case TType.STRING:
      // string and binary are the same wire type; both encode their exact bytes.
      if (type !== 'string' && type !== 'binary') return undefined
      return writer.bytes(v.value).finish()
    case TType.UUID:
      if (type !== 'uuid' || v.value.length !== 16) return undefined
      return writer.uuid(v.value).finish()
    default:
      return undefined
  }
}

/** The Thrift value of an encoded component (the inverse of encodeValue). */
export function decodeValue(type: KeyType, b: Buffer): TValue {
  const r = new KeyReader(b)
  switch (type) {
    case 'bool':
      return tv.bool(r.bool())
    case 'i8':
      return tv.i8(r.i8())
    case 'i16':
      return tv.i16(r.i16())
    case 'i32':
      return tv.i32(r.i32())
    case 'i64':
      return tv.i64(r.i64())
    case 'double':
      return tv.double(r.double())
    case 'string':
    case 'binary':
      return tv.binary(r.bytes())
    case 'uuid':
      return tv.uuid(r.uuid())
  }
}

export interface EntityKeys {
  readonly pk: Buffer
  /** Per index (model order): the encoded value, or null when the field is unset. */
  readonly values: (Buffer | null)[]
}

/** Primary key and index values of an entity struct; undefined if the key is missing or mistyped. */
export function entityKeys(model: EntityModel, entity: TStructValue): EntityKeys | undefined {
  const k = getField(entity, model.keyFieldId)
  const pk = k === undefined ? undefined : encodeValue(model.keyType, k)
  if (pk === undefined) return undefined
  const values = model.indexes.map((ix) => {
    const f = getField(entity, ix.fieldId)
    return f === undefined ? null : (encodeValue(ix.type, f) ?? null)
  })
  return { pk, values }
}
