// The canonical bytes of an entity's `get` argument struct for a primary key, as the read cache keys
// it (cache/keys.ts: the binary encoding with fields by id). A range answer looks up hundreds of
// entities in the cache, and building each key through a decoded value tree and the generic
// canonical writer cost more than the lookup itself. For integer keys the stored key component is
// the big-endian value with the sign bit flipped, so the struct is a header, the component with
// that bit flipped back, and STOP; other key types take the generic path.

import { TType, canonicalValue, type TField } from '../codec/index.js'
import type { EntityModel } from './entity-model.js'
import { decodeValue } from './values.js'
import { INT_KEY_WIRE } from './wire-match.js'

/** The `get` call's argument fields for primary key `pk` (encoded component). */
export function getArgs(model: EntityModel, pk: Buffer): TField[] {
  return [{ ...decodeValue(model.keyType, pk), id: model.get.argId } as TField]
}

/** Canonical bytes of the `get` call's argument struct for `pk`: what the cache keys it by. */
export function getArgsKey(model: EntityModel, pk: Buffer): Buffer {
  const wire = INT_KEY_WIRE[model.keyType]
  if (wire === undefined || pk.length !== wire.width) return canonicalValue({ type: TType.STRUCT, value: getArgs(model, pk) })
  const out = Buffer.allocUnsafe(3 + wire.width + 1)
  out[0] = wire.ttype
  out.writeInt16BE(model.get.argId, 1)
  pk.copy(out, 3)
  out[3] = out[3]! ^ 0x80
  out[3 + wire.width] = TType.STOP
  return out
}
