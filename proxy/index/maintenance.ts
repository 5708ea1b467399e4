// Keeping the index true to the upstream as traffic passes: a configured write changes the index
// only when its REPLY reports success (result field 0, or an empty result for void); anything else
// (declared exception, TApplicationException) changes nothing. A write without a reply (timeout,
// connection lost) has an unknown outcome: the entity loses authority (ranges forward) until a
// backfill. Replies of the entity's `get` and of forwarded lookups are observations, applied with
// the version current when the call was SENT, so they never undo a newer write (version.ts).

import { TType, extractField, type Message, type TStructValue, type TValue } from '../codec/index.js'
import type { CallContext } from '../core/index.js'
import { replyResult } from './calls.js'
import type { InvalidationTarget } from './cache-link.js'
import type { ReplicatedChange } from './change-codec.js'
import type { EntityModel, WriteModel } from './entity-model.js'
import type { ReverseRecord } from './record.js'
import type { CallRole, IndexRuntime } from './runtime.js'
import { decodeValue, encodeValue, entityKeys } from './values.js'
import type { Version } from './version.js'

export class Maintenance {
  private readonly sentAt = new WeakMap<CallContext, Version>()

  constructor(private readonly rt: IndexRuntime) {}

  /** Remembers what the index knew when a read was sent (its replies are "as of" then). */
  noteCall(ctx: CallContext): void {
    this.sentAt.set(ctx, this.rt.store.clock.current)
  }

  async onReply(ctx: CallContext, role: CallRole, reply: Message): Promise<void> {
    if (role.kind === 'write') return this.applyWrite(ctx, role.model, role.write, reply)
    const asOf = this.sentAt.get(ctx)
    if (asOf === undefined) return
    const r = replyResult(reply)
    if (r.kind !== 'success' || r.value === undefined) return
    if (r.value.type === TType.STRUCT) return this.learn(role.model, [r.value], asOf)
    if (r.value.type === TType.LIST) return this.learn(role.model, r.value.value.filter((v): v is TStructValue => v.type === TType.STRUCT), asOf)
  }

  /** The write may or may not have happened upstream: stop trusting ranges for this entity. */
  async onFailure(role: CallRole): Promise<void> {
    if (role.kind !== 'write') return
    this.rt.metrics.writesUnknown++
    const reason = `${role.write.method} got no reply: its outcome is unknown`
    this.rt.log('warn', `index for ${role.model.name} is no longer authoritative: ${reason}`)
    await this.rt.store.apply([], this.rt.store.authorityLoss([role.model.name], reason))
    await this.rt.replicator?.reset(role.model.name)
    // The old and new values are unknown: drop what the cache holds for the entity's lookups.
    await this.rt.cache?.invalidate(lookupTargets(role.model, undefined, undefined, true))
  }

  /** Applies entities read from the upstream (observations), as of `asOf`. */
  async learn(model: EntityModel, entities: readonly TStructValue[], asOf: Version): Promise<void> {
    const changes = []
    for (const e of entities) {
      const k = entityKeys(model, e)
      if (k !== undefined) changes.push({ entity: model.name, pk: k.pk, values: k.values, version: asOf, kind: 'observe' as const })
    }
    if (changes.length === 0) return
    this.rt.metrics.observations += changes.length
    await this.rt.store.apply(changes)
  }

  private async applyWrite(ctx: CallContext, model: EntityModel, write: WriteModel, reply: Message): Promise<void> {
    const call = ctx.message
    const r = replyResult(reply)
    if (r.kind !== 'success') {
      this.rt.metrics.writesFailed++
      return
    }
    const change = this.changeOf(model, write, call, r.value)
    if (change === undefined) {
      // A successful write we cannot read (no key): the index no longer knows the truth.
      await this.onFailure({ kind: 'write', model, write })
      return
    }
    const sentMs = this.rt.overlap.sentAt(ctx)
    const version = await this.versionFor(change, sentMs)
    // Before applying: if another write to the key overlapped this one, ranges forward from now on.
    this.rt.overlap.record(model, change.pk, sentMs, version, true)
    const [res] = await this.rt.store.apply([{ ...change, version, kind: 'write' }])
    if (res?.applied) this.rt.metrics.writesApplied++
    else this.rt.metrics.writesStale++
    await this.rt.cache?.invalidate(invalidationsFor(model, change, res?.previous))
  }

  private changeOf(model: EntityModel, write: WriteModel, call: Message, returned: TValue | undefined): ReplicatedChange | undefined {
    const arg = extractField(call.payload, call.bodyOffset, call.dialect.protocol, [write.argId])
    if (write.kind === 'delete') {
      const pk = arg === undefined ? undefined : encodeValue(model.keyType, arg)
      return pk === undefined ? undefined : { entity: model.name, pk, values: null }
    }
    // Prefer the entity as the write returned it: that is what the upstream stored.
    const entity = write.returnsEntity && returned?.type === TType.STRUCT ? returned : arg?.type === TType.STRUCT ? arg : undefined
    const k = entity === undefined ? undefined : entityKeys(model, entity)
    return k === undefined ? undefined : { entity: model.name, pk: k.pk, values: k.values }
  }

  /** The stream ID when replicating (others apply it in the same order), else the local clock. */
  private async versionFor(change: ReplicatedChange, sentMs: number | undefined): Promise<Version> {
    const rep = this.rt.replicator
    if (rep !== undefined) {
      try {
        return await rep.publish([change], sentMs)
      } catch (err) {
        this.rt.metrics.publishErrors++
        this.rt.log('warn', `index change not replicated; peers will drop authority once Redis is back: ${(err as Error).message}`)
      }
    }
    return this.rt.store.clock.next()
  }
}

/** The entity's get and lookups whose cached replies the change may have made wrong. */
export function invalidationsFor(model: EntityModel, change: ReplicatedChange, previous: ReverseRecord | undefined): InvalidationTarget[] {
  const pkValue = decodeValue(model.keyType, change.pk)
  const out: InvalidationTarget[] = [{ service: model.service, method: model.get.method, args: [{ ...pkValue, id: model.get.argId }] }]
  // A tombstone means no old values; no record at all means we do not know them.
  const oldValues = previous === undefined ? undefined : previous.deleted ? [] : previous.values
  return out.concat(lookupTargets(model, oldValues, change.values ?? [], previous === undefined))
}

/**
 * Cached lookup replies that can hold the entity: for a point lookup, the entries keyed by its old
 * and new values (any field change makes them stale, not only the indexed one); for list lookups,
 * every entry of the method (their keys are lo/hi/limit, which cannot be enumerated). When the old
 * values are unknown, every entry of the point lookup too.
 */
function lookupTargets(model: EntityModel, oldValues: readonly (Buffer | null)[] | undefined, newValues: readonly (Buffer | null)[] | undefined, oldUnknown: boolean): InvalidationTarget[] {
  const out: InvalidationTarget[] = []
  for (const l of model.lookups.values()) {
    if (l.returnsList || l.argId === undefined || oldUnknown) {
      out.push({ service: model.service, method: l.method, args: undefined })
      continue
    }
    const pos = l.index.position
    const seen: Buffer[] = []
    for (const v of [oldValues?.[pos] ?? null, newValues?.[pos] ?? null]) {
      if (v === null || seen.some((x) => x.equals(v))) continue
      seen.push(v)
      out.push({ service: model.service, method: l.method, args: [{ ...decodeValue(l.index.type, v), id: l.argId }] })
    }
  }
  return out
}
