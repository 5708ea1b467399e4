// Answering lookups from the index. Point lookups (unique index, one entity) are always correct,
// even with a stale or partial index: index → primary key → the entity through the cache or the
// upstream's own `get` → the entity must still hold the looked-up value → reply; anything else
// forwards the original call. Range and non-unique lookups are answered only while the index is
// authoritative for the entity (backfilled and maintained since), in the order the lookup names.
// Replies are the result struct {0: value} in the client's protocol, with the call's bare name and
// seqid (thrift-rpc.md), so the client cannot tell them from the upstream's.

import { TType, extractField, replyFor, type Message, type TStructValue, type TValue } from '../codec/index.js'
import { entityOf, entityResult, fetchEntityResult, holds, listResult, peekEntity } from './entity-results.js'
import type { EntityModel, LookupModel } from './entity-model.js'
import { FallbackReason } from './metrics.js'
import type { IndexEntry } from './store.js'
import type { Maintenance } from './maintenance.js'
import type { IndexRuntime } from './runtime.js'
import { encodeValue } from './values.js'

/** Forward, counting why. */
function fallback(rt: IndexRuntime, reason: FallbackReason): undefined {
  rt.metrics.fallbacks[reason]++
  return undefined
}

export async function answerPoint(rt: IndexRuntime, maint: Maintenance, model: EntityModel, lookup: LookupModel, m: Message): Promise<Buffer[] | undefined> {
  const arg = extractField(m.payload, m.bodyOffset, m.dialect.protocol, [lookup.argId!])
  const want = arg === undefined ? undefined : encodeValue(lookup.index.type, arg)
  if (want === undefined) return fallback(rt, FallbackReason.bad_args)
  // The slot names the last entity that claimed the value; the entity itself is the judge.
  const pk = await rt.store.lookupUnique(model.name, lookup.index.name, want)
  if (pk === undefined) return fallback(rt, FallbackReason.miss)
  const asOf = rt.store.clock.current
  const result = await entityResult(rt, model, pk, m)
  if (result === undefined) return fallback(rt, FallbackReason.fetch_failed)
  if (!holds(model, result, pk, lookup.index.fieldId, lookup.index.type, want)) {
    // Stale entry: the entity changed behind the proxy's back. Learn what it is now.
    rt.metrics.verifyFailures++
    const e = entityOf(result)
    if (e !== undefined) await maint.learn(model, [e], asOf)
    return fallback(rt, FallbackReason.mismatch)
  }
  rt.metrics.hits.point++
  // The get's result struct is {0: Entity}: byte for byte the lookup's result for the same entity.
  return replyFor(m, result, 'binary')
}

function intArg(v: TValue | undefined): number | undefined {
  if (v === undefined) return undefined
  if (v.type === TType.I8 || v.type === TType.I16 || v.type === TType.I32) return v.value
  if (v.type === TType.I64) return Number(v.value)
  return undefined
}

export async function answerRange(rt: IndexRuntime, maint: Maintenance, model: EntityModel, lookup: LookupModel, m: Message): Promise<Buffer[] | undefined> {
  if (!rt.store.state(model.name).authoritative) return fallback(rt, FallbackReason.not_authoritative)
  // An entity the index may hold in a state the upstream overwrote would be silently left out.
  if (rt.overlap.inDoubt(model.name)) return fallback(rt, FallbackReason.in_doubt)
  const read = (id: number): TValue | undefined => extractField(m.payload, m.bodyOffset, m.dialect.protocol, [id])
  const type = lookup.index.type
  let lo: Buffer | undefined
  let hi: Buffer | undefined
  if (lookup.range !== undefined) {
    const a = read(lookup.range[0])
    const b = read(lookup.range[1])
    lo = a === undefined ? undefined : encodeValue(type, a)
    hi = b === undefined ? undefined : encodeValue(type, b)
  } else {
    const v = read(lookup.argId!)
    lo = hi = v === undefined ? undefined : encodeValue(type, v)
  }
  if (lo === undefined || hi === undefined) return fallback(rt, FallbackReason.bad_args)
  let limit: number | undefined
  if (lookup.limitId !== undefined) {
    const raw = read(lookup.limitId)
    limit = intArg(raw)
    if (raw !== undefined && limit === undefined) return fallback(rt, FallbackReason.bad_args)
    // As the demo documents: a limit of 0 or less (or none) means no limit.
    if (limit !== undefined && limit <= 0) limit = undefined
  }
  const entries = Buffer.compare(lo, hi) > 0 ? [] : await selectEntries(rt, model, lookup, lo, hi, limit)
  if (entries === undefined) return fallback(rt, FallbackReason.too_large)

  const asOf = rt.store.clock.current
  const results = await fetchAll(rt, model, entries, m)
  if (results === undefined) return fallback(rt, FallbackReason.fetch_failed)
  const stale: TStructValue[] = []
  let bad = 0
  results.forEach((r, i) => {
    const entry = entries[i]!
    if (isEntityResult(r) && holds(model, r, entry.pk, lookup.index.fieldId, lookup.index.type, entry.value)) return
    bad++
    const e = entityOf(r)
    if (e !== undefined) stale.push(e)
  })
  if (bad > 0) {
    // The index is behind the upstream for these entities: learn them, and let the upstream answer.
    rt.metrics.verifyFailures += bad
    await maint.learn(model, stale, asOf)
    return fallback(rt, FallbackReason.mismatch)
  }
  // Writes that overlapped meanwhile: the entries read may hold the overwritten state.
  if (rt.overlap.inDoubt(model.name)) return fallback(rt, FallbackReason.in_doubt)
  rt.metrics.hits.range++
  return replyFor(m, listResult(results), 'binary')
}

/** A binary result struct holding exactly {0: struct}: its entity bytes can be spliced. */
function isEntityResult(r: Buffer): boolean {
  return r.length >= 5 && r[0] === TType.STRUCT && r.readInt16BE(1) === 0 && r[r.length - 1] === TType.STOP
}

/** The entries of [lo, hi] in the lookup's order, at most `limit`; undefined when too many to read. */
async function selectEntries(rt: IndexRuntime, model: EntityModel, lookup: LookupModel, lo: Buffer, hi: Buffer, limit: number | undefined): Promise<IndexEntry[] | undefined> {
  const max = rt.limits.maxRangeScan
  if (lookup.order === 'key' && limit !== undefined && limit <= max) {
    // Primary-key order with a limit: merge the per-value runs, reading about `limit` entries.
    const first = await rt.store.firstByKey(model.name, lookup.index.name, lo, hi, limit, Math.max(1, Math.floor(max / limit)))
    if (first !== undefined) return first
  }
  const out: IndexEntry[] = []
  const stopAt = lookup.order === 'index' && limit !== undefined ? limit : max + 1
  for await (const e of rt.store.scan(model.name, lookup.index.name, { value: lo, inclusive: true }, { value: hi, inclusive: true }, { limit: stopAt })) {
    out.push({ value: Buffer.from(e.value), pk: Buffer.from(e.pk) })
  }
  if (out.length > max) return undefined
  if (lookup.order === 'key') out.sort((a, b) => Buffer.compare(a.pk, b.pk))
  return limit === undefined ? out : out.slice(0, limit)
}

/**
 * The binary results of `entries` (same order); undefined if any fails. What the in-process tier
 * holds is taken in one synchronous pass (a promise per entity cost more than the peek); the rest
 * are fetched through the cache or the upstream with bounded concurrency.
 */
async function fetchAll(rt: IndexRuntime, model: EntityModel, entries: readonly IndexEntry[], m: Message): Promise<Buffer[] | undefined> {
  const out: Buffer[] = new Array(entries.length)
  const missing: number[] = []
  for (let i = 0; i < entries.length; i++) {
    const r = peekEntity(rt, model, entries[i]!.pk)
    if (r === undefined) missing.push(i)
    else out[i] = r
  }
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && next < missing.length) {
      const i = missing[next++]!
      const r = await fetchEntityResult(rt, model, entries[i]!.pk, m)
      if (r === undefined) {
        failed = true
        return
      }
      out[i] = r
    }
  }
  await Promise.all(Array.from({ length: Math.min(rt.limits.fetchConcurrency, missing.length) }, worker))
  return failed ? undefined : out
}
