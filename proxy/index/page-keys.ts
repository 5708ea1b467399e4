// The keys of a backfill page read straight from a binary reply's bytes: the page's result is
// walked, every field but the entity's key and indexed fields is skipped, and integers and strings
// become key components without a value tree, bigints or intermediate strings (a page holds
// thousands of entities; building their trees cost more than writing their keys). The answer is the
// same as decoding the reply and calling entityKeys on each entity (test/index/page-keys.test.ts);
// other protocols, and the rarer key types, take that path.

import { MessageType, TType, readValue, skipValue, type Message } from '../codec/index.js'
import type { EntityModel } from './entity-model.js'
import { IndexError, IndexErrorCode } from './errors.js'
import { KeyWriter, type KeyType } from './key-encoding.js'
import { encodeValue, type EntityKeys } from './values.js'

const writer = new KeyWriter(256)

/** The key component of the binary value of wire type `wire` in [p, end), or undefined when mistyped. */
function component(type: KeyType, buf: Buffer, p: number, end: number, wire: TType): Buffer | undefined {
  switch (wire) {
    case TType.I8:
    case TType.I16:
    case TType.I32:
    case TType.I64: {
      const width = wire === TType.I8 ? 1 : wire === TType.I16 ? 2 : wire === TType.I32 ? 4 : 8
      if (type !== (width === 1 ? 'i8' : width === 2 ? 'i16' : width === 4 ? 'i32' : 'i64')) return undefined
      // Big-endian two's complement with the sign bit flipped: the key writer's integer encoding.
      const out = Buffer.allocUnsafe(width)
      buf.copy(out, 0, p, p + width)
      out[0] = out[0]! ^ 0x80
      return out
    }
    case TType.STRING:
      if (type !== 'string' && type !== 'binary') return undefined
      return writer.reset().bytes(buf.subarray(p + 4, end)).finish()
    default:
      return encodeValue(type, readValue(buf, p, wire, 'binary').value)
  }
}

function failed(model: EntityModel, why: string): IndexError {
  return new IndexError(IndexErrorCode.BACKFILL, `${model.scan!.method} ${why}`)
}

/**
 * Per entity of the page (in order): its keys, or undefined when its key is missing or mistyped.
 * Undefined (not an array) when the reply is not in the binary protocol. Throws IndexError when the
 * scan failed (exception) or did not return a list, CodecError on malformed bytes.
 */
export function binaryPageKeys(model: EntityModel, reply: Message): Array<EntityKeys | undefined> | undefined {
  if (reply.dialect.protocol !== 'binary') return undefined
  if (reply.type !== MessageType.REPLY) throw failed(model, 'failed (application exception)')
  const buf = reply.payload
  // The result struct: field 0 is the success value; any other field is a declared exception.
  let p = reply.bodyOffset
  let value = -1
  let valueType: TType = TType.STOP
  let declared = -1
  for (;;) {
    const t = buf[p] as TType | undefined
    if (t === undefined) throw failed(model, 'reply is truncated')
    if (t === TType.STOP) break
    if (p + 3 > buf.length) throw failed(model, 'reply is truncated')
    const id = buf.readInt16BE(p + 1)
    const end = skipValue(buf, p + 3, t, 'binary')
    if (id === 0) {
      value = p + 3
      valueType = t
    } else if (declared < 0) declared = id
    p = end
  }
  if (declared >= 0) throw failed(model, `failed (declared exception field ${declared})`)
  if (value < 0) throw failed(model, 'failed (application exception)')
  const scan = model.scan!
  let list = value
  let listType = valueType
  if (scan.listFieldId !== undefined) {
    if (valueType !== TType.STRUCT) return []
    list = -1
    for (let q = value; buf[q] !== TType.STOP; ) {
      const t = buf[q] as TType
      if (buf.readInt16BE(q + 1) === scan.listFieldId) {
        list = q + 3
        listType = t
      }
      q = skipValue(buf, q + 3, t, 'binary')
    }
    if (list < 0) return []
  }
  if (listType !== TType.LIST) throw failed(model, `did not return a list of ${model.name}`)
  const elemType = buf[list]!
  const count = buf.readInt32BE(list + 1)
  // As when decoded: elements that are not structs are not entities.
  if (elemType !== TType.STRUCT) return []
  const out: Array<EntityKeys | undefined> = new Array(count)
  const indexes = model.indexes
  // The whole value was walked (skipValue) above: every read below is within it.
  p = list + 5
  for (let e = 0; e < count; e++) {
    let pk: Buffer | undefined
    let seenKey = false
    const values: (Buffer | null)[] = new Array(indexes.length).fill(null)
    for (;;) {
      const t = buf[p] as TType
      if (t === TType.STOP) {
        p++
        break
      }
      const id = buf.readInt16BE(p + 1)
      // Skipping first also checks the value is whole, so the reads below stay within it.
      const end = skipValue(buf, p + 3, t, 'binary')
      // A field repeated on the wire: the last one counts, as for any decoder.
      if (id === model.keyFieldId) {
        seenKey = true
        pk = component(model.keyType, buf, p + 3, end, t)
      }
      for (let i = 0; i < indexes.length; i++) if (indexes[i]!.fieldId === id) values[i] = component(indexes[i]!.type, buf, p + 3, end, t) ?? null
      p = end
    }
    out[e] = seenKey && pk !== undefined ? { pk, values } : undefined
  }
  return out
}
