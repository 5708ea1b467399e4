// An entity as the result struct of its `get` ({0: Entity}) in the binary protocol: from the cache's
// in-process tier when it holds it (no reply built, nothing decoded), else through the cache's
// handler or the upstream pool. Lookups verify and answer on these bytes directly: a point lookup
// replies with them as they are, a range lookup splices the entity structs into one list.

import { MessageType, TType, readStruct, skipValue, transcodeStruct, getField, type Message, type TStructValue } from '../codec/index.js'
import { getArgs, getArgsKey } from './entity-args.js'
import type { KeyType } from './key-encoding.js'
import { wireMatches } from './wire-match.js'
import { replyResult, resultBytes } from './calls.js'
import type { EntityModel } from './entity-model.js'
import type { IndexRuntime } from './runtime.js'

/** The binary result {0: Entity} the cache's in-process tier holds for `pk` (synchronous, no fetch). */
export function peekEntity(rt: IndexRuntime, model: EntityModel, pk: Buffer): Buffer | undefined {
  return rt.cache?.peek(model.service, model.get.method, getArgsKey(model, pk))
}

/** Binary result bytes {0: Entity}, or undefined when the entity could not be had (error, exception). */
export async function entityResult(rt: IndexRuntime, model: EntityModel, pk: Buffer, like: Message): Promise<Buffer | undefined> {
  return peekEntity(rt, model, pk) ?? fetchEntityResult(rt, model, pk, like)
}

/** As entityResult, without looking in the in-process tier first (the caller just did). */
export async function fetchEntityResult(rt: IndexRuntime, model: EntityModel, pk: Buffer, like: Message): Promise<Buffer | undefined> {
  const reply = await rt.fetcher.get(model, getArgs(model, pk)[0]!, like.dialect, like.service).catch(() => undefined)
  if (reply === undefined || reply.type !== MessageType.REPLY) return undefined
  const r = replyResult(reply)
  if (r.kind !== 'success' || r.value?.type !== TType.STRUCT) return undefined
  const bytes = resultBytes(reply)
  return reply.dialect.protocol === 'binary' ? bytes : transcodeStruct(bytes, 0, reply.dialect.protocol, 'binary')
}

/**
 * Whether the entity in `result` has primary key `pk` and `value` in the index on `fieldId`: one
 * walk of the entity's fields (the last of a repeated id wins, as receivers keep), compared on the
 * wire bytes. A result not shaped {0: Entity} or with bad bytes does not hold.
 */
export function holds(model: EntityModel, result: Buffer, pk: Buffer, fieldId: number, type: KeyType, value: Buffer): boolean {
  if (result.length < 4 || result[0] !== TType.STRUCT || result.readInt16BE(1) !== 0) return false
  let keyPos = -1
  let keyType = 0
  let valPos = -1
  let valType = 0
  try {
    for (let pos = 3; ; ) {
      if (pos >= result.length) return false
      const t = result[pos]!
      if (t === TType.STOP) break
      if (pos + 3 > result.length) return false
      const id = result.readInt16BE(pos + 1)
      pos += 3
      if (id === model.keyFieldId) {
        keyPos = pos
        keyType = t
      }
      if (id === fieldId) {
        valPos = pos
        valType = t
      }
      pos = skipValue(result, pos, t as TType, 'binary')
    }
  } catch {
    return false
  }
  return keyPos >= 0 && valPos >= 0 && wireMatches(result, keyPos, keyType, model.keyType, pk) && wireMatches(result, valPos, valType, type, value)
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
