// `index verify`: samples index records and compares them with the upstream (its `get`, through the
// pool, never the cache). Drift means something wrote to the upstream without passing through a
// thriftgate; point lookups stay correct regardless (they verify every answer), range lookups do
// not, so a drifted entity costs authority until a rebuild.

import { TType, type Dialect } from '../codec/index.js'
import { replyResult } from './calls.js'
import type { EntityModel } from './entity-model.js'
import type { EntityFetcher } from './fetcher.js'
import { KeyWriter } from './key-encoding.js'
import type { IndexRuntime } from './runtime.js'
import { decodeValue, entityKeys } from './values.js'
import { randomBytes } from 'node:crypto'

export interface VerifyOptions {
  readonly dialect: Dialect
  readonly multiplexed?: boolean
  /** How many records to check. Default 100. */
  readonly sample?: number
  /** Apply what the upstream says to mismatched records (as observations). Default false. */
  readonly repair?: boolean
}

export interface VerifyMismatch {
  readonly key: string
  readonly problem: 'missing_upstream' | 'index_differs' | 'fetch_failed'
  readonly detail: string
}

export interface VerifyReport {
  readonly entity: string
  readonly checked: number
  readonly ok: number
  readonly mismatches: readonly VerifyMismatch[]
}

function show(model: EntityModel, pk: Buffer): string {
  const v = decodeValue(model.keyType, pk)
  return v.type === TType.STRING ? v.value.toString('utf8') : String(v.value)
}

export async function verify(rt: IndexRuntime, upstreamOnly: EntityFetcher, model: EntityModel, opts: VerifyOptions): Promise<VerifyReport> {
  const sample = opts.sample ?? 100
  // Start at a random key and wrap around: a cheap, unbiased-enough sample of a sorted key space.
  const start = new KeyWriter().raw(randomBytes(model.keyType === 'string' || model.keyType === 'binary' ? 4 : 8)).finish()
  const picked: { pk: Buffer; values: readonly (Buffer | null)[] }[] = []
  for (const after of [start, undefined]) {
    for await (const r of rt.store.records(model.name, { after, limit: sample * 2 })) {
      if (picked.length >= sample) break
      if (!r.record.deleted && !picked.some((p) => p.pk.equals(r.pk))) picked.push({ pk: Buffer.from(r.pk), values: r.record.values })
    }
  }
  const mismatches: VerifyMismatch[] = []
  let ok = 0
  const asOf = rt.store.clock.current
  for (const p of picked) {
    const key = show(model, p.pk)
    const reply = await upstreamOnly.get(model, decodeValue(model.keyType, p.pk), opts.dialect, opts.multiplexed === true ? model.service : undefined).catch((e: Error) => e)
    if (reply instanceof Error) {
      mismatches.push({ key, problem: 'fetch_failed', detail: reply.message })
      continue
    }
    const r = replyResult(reply)
    if (r.kind !== 'success' || r.value?.type !== TType.STRUCT) {
      mismatches.push({ key, problem: 'missing_upstream', detail: r.kind === 'declared' ? `declared exception (field ${r.fieldId})` : 'no entity' })
      continue
    }
    const k = entityKeys(model, r.value)
    const differs = model.indexes.filter((ix) => {
      const a = k?.values[ix.position] ?? null
      const b = p.values[ix.position] ?? null
      return a === null ? b !== null : b === null || !a.equals(b)
    })
    if (differs.length === 0) {
      ok++
      continue
    }
    mismatches.push({ key, problem: 'index_differs', detail: `index ${differs.map((d) => d.name).join(', ')} differs from the upstream` })
    if (opts.repair === true) await rt.store.apply([{ entity: model.name, pk: k!.pk, values: k!.values, version: asOf, kind: 'observe' }])
  }
  rt.metrics.verifyFailures += mismatches.filter((m) => m.problem !== 'fetch_failed').length
  return { entity: model.name, checked: picked.length, ok, mismatches }
}
