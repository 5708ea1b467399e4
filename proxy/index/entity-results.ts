// An entity as the result struct of its `get` ({0: Entity}) in the binary protocol: from the cache's
// in-process tier when it holds it (no reply built, nothing decoded), else through the cache's
// handler or the upstream pool. Lookups verify and answer on these bytes directly: a point lookup
// replies with them as they are, a range lookup splices the entity structs into one list.

import { MessageType, TType, extractField, readStruct, transcodeStruct, getField, type Message, type TStructValue } from '../codec/index.js'
import { replyResult, resultBytes } from './calls.js'
import type { EntityModel } from './entity-model.js'
import type { IndexRuntime } from './runtime.js'
import { decodeValue, encodeValue } from './values.js'

/** Binary result bytes {0: Entity}, or undefined when the entity could not be had (error, exception). */
export async function entityResult(rt: IndexRuntime, model: EntityModel, pk: Buffer, like: Message): Promise<Buffer | undefined> {
  const args = [{ ...decodeValue(model.keyType, pk), id: model.get.argId }]
  const cached = rt.cache?.peek(model.service, model.get.method, args)
  if (cached !== undefined) return cached
  const reply = await rt.fetcher.get(model, args[0]!, like.dialect, like.service).catch(() => undefined)
  if (reply === undefined || reply.type !== MessageType.REPLY) return undefined
  const r = replyResult(reply)
  if (r.kind !== 'success' || r.value?.type !== TType.STRUCT) return undefined
  const bytes = resultBytes(reply)
  return reply.dialect.protocol === 'binary' ? bytes : transcodeStruct(bytes, 0, reply.dialect.protocol, 'binary')
}

/** The encoded value of a field of the entity in a binary result struct (undefined: unset). */
export function fieldKey(result: Buffer, fieldId: number, type: Parameters<typeof encodeValue>[0]): Buffer | undefined {
  const v = extractField(result, 0, 'binary', [0, fieldId])
  return v === undefined ? undefined : encodeValue(type, v)
}

/** Whether the entity in `result` has primary key `pk` and `value` in the index at `position`. */
export function holds(model: EntityModel, result: Buffer, pk: Buffer, fieldId: number, type: Parameters<typeof encodeValue>[0], value: Buffer): boolean {
  const k = fieldKey(result, model.keyFieldId, model.keyType)
  const v = fieldKey(result, fieldId, type)
  return k !== undefined && k.equals(pk) && v !== undefined && v.equals(value)
}

/** The entity struct of a binary result (decoded: for learning from it). */
export function entityOf(result: Buffer): TStructValue | undefined {
  const f = getField(readStruct(result, 0, 'binary').value, 0)
  return f?.type === TType.STRUCT ? f : undefined
}

// Binary result struct {0: struct}: field header i8 type 12, i16 id 0 (3 bytes), the struct, STOP.
const RESULT_HEAD = 3

/** The binary result {0: list<Entity>} made of the entity structs inside `results`, in order. */
export function listResult(results: readonly Buffer[]): Buffer {
  let size = RESULT_HEAD + 5 + 1
  for (const r of results) size += r.length - RESULT_HEAD - 1
  const out = Buffer.allocUnsafe(size)
  out[0] = TType.LIST
  out.writeInt16BE(0, 1)
  out[3] = TType.STRUCT
  out.writeInt32BE(results.length, 4)
  let p = 8
  for (const r of results) p += r.copy(out, p, RESULT_HEAD, r.length - 1)
  out[p] = TType.STOP
  return out
}
