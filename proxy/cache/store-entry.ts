// Turns an upstream reply into a cache entry, or says why it cannot be one (issue 4, item 2):
// successes (result field 0) for `ttl`, declared exceptions listed under `negative` for
// `negativeTtl`, never TApplicationExceptions. The result bytes are copied (never a view of a
// socket chunk) and stored in the binary protocol, the one canonical protocol of entries.
import { transcodeStruct, type Message } from '../codec/index.js'
import type { StoredEntry } from './entry.js'
import { ownedCopy } from './entry-bytes.js'
import { UncachedReason } from './metrics.js'
import { resultKind } from './result-kind.js'
import type { ReadRule } from './rules.js'

export type ReplyVerdict =
  | { readonly ok: true; readonly entry: StoredEntry }
  /** `shareable`: the reply is a real answer (a declared exception) that concurrent waiters may get too. */
  | { readonly ok: false; readonly reason: UncachedReason; readonly shareable: Buffer | undefined }

export function entryFromReply(rule: ReadRule, reply: Message, maxEntryBytes: number, now: number): ReplyVerdict {
  const k = resultKind(reply)
  if (k.kind === 'app_exception') return { ok: false, reason: UncachedReason.ERROR, shareable: undefined }
  let result: Buffer
  try {
    result = binaryResult(reply)
  } catch {
    return { ok: false, reason: UncachedReason.ERROR, shareable: undefined }
  }
  const negative = k.kind === 'declared'
  if (negative && !(rule.negativeIds.has(k.id) && rule.negativeTtlMs > 0)) {
    return { ok: false, reason: UncachedReason.ERROR, shareable: result }
  }
  if (result.length > maxEntryBytes) return { ok: false, reason: UncachedReason.TOO_LARGE, shareable: result }
  const ttl = negative ? rule.negativeTtlMs : rule.ttlMs
  if (ttl <= 0) return { ok: false, reason: UncachedReason.NOT_CONFIGURED, shareable: result }
  const freshUntil = now + ttl
  const graceUntil = negative ? freshUntil : freshUntil + rule.graceMs
  const keepUntil = negative ? freshUntil : Math.max(now + rule.keepMs, graceUntil)
  return { ok: true, entry: { kind: negative ? 'negative' : 'value', storedAt: now, freshUntil, graceUntil, keepUntil, result } }
}

/** The reply's result struct as an owned binary-protocol buffer. */
export function binaryResult(reply: Message): Buffer {
  const r = transcodeStruct(reply.payload, reply.bodyOffset, reply.dialect.protocol, 'binary')
  // Same protocol: transcodeStruct returns a view into the received chunk; a transcoded one may sit
  // in a shared pool slab. Either way keep a copy that pins no other memory (entry-bytes.ts).
  return ownedCopy(r)
}
