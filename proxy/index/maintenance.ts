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
    await this.rt.cache?.invalidate(lookupTargets(role.model))
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
export function invalidationsFor(model: EntityModel, change: ReplicatedChange, _previous: ReverseRecord | undefined): InvalidationTarget[] {
  const pkValue = decodeValue(model.keyType, change.pk)
  const out: InvalidationTarget[] = [{ service: model.service, method: model.get.method, args: [{ ...pkValue, id: model.get.argId }] }]
  // The previous record (the old values) no longer narrows anything: see lookupTargets.
  return out.concat(lookupTargets(model))
}

/**
 * Cached lookup replies that can hold the entity: EVERY cached reply of each of its lookup methods,
 * point lookups included (one generation bump per method: O(1) in both tiers). Invalidating only
 * the point lookups keyed by the old and new values the index holds is not enough: a lookup
 * forwarded while another write to the entity was in flight (here or on another sidecar sharing
 * Redis) can cache a value the index never recorded (its observation is dropped as older than a
 * write applied meanwhile; another sidecar's index never sees it at all), and no later write would
 * name that key (consistency checker finding 2). With a method-wide invalidation, the cache's own
 * fill checks make it obvious: a lookup fill that began before this invalidation is rejected (fill
 * token, Redis lease generation), one that began after it asked the upstream after the write was
 * applied. A point lookup that misses the cache is answered by the index itself (a RocksDB get and
 * the entity's cached get), so the coarser rule costs little. The values the index holds do not
 * matter here any more.
 */
function lookupTargets(model: EntityModel): InvalidationTarget[] {
  const out: InvalidationTarget[] = []
  for (const l of model.lookups.values()) out.push({ service: model.service, method: l.method, args: undefined })
  return out
}
