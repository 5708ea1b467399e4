// The index as a CallHandler (proxy/core handlers.ts): answers configured lookups it can answer
// correctly, forwards everything else unchanged, and maintains the index from the replies of
// configured writes, gets and forwarded lookups. Nothing here may fail a client's call: errors
// are counted and logged, and the call is forwarded (or its reply released) as if the index
// were not there.

import { MessageType, type Message } from '../codec/index.js'
import type { CallContext, CallHandler } from '../core/index.js'
import { answerPoint, answerRange } from './lookup.js'
import { Maintenance } from './maintenance.js'
import { FallbackReason } from './metrics.js'
import type { IndexRuntime } from './runtime.js'

export class IndexHandler implements CallHandler {
  readonly maintenance: Maintenance
  /**
   * Our answers are the upstream's answers (verified point lookups, authoritative ranges), so a read
   * cache registered before us that led a fetch of the same call stores and shares them (the core
   * tells it through onSettled).
   */
  readonly answersAsUpstream = true

  constructor(
    private readonly rt: IndexRuntime,
    /** False once the store is closed (shutdown): every lookup forwards. */
    private readonly isOpen: () => boolean,
  ) {
    this.maintenance = new Maintenance(rt)
  }

  onCall(ctx: CallContext): Buffer[] | undefined | Promise<Buffer[] | undefined> {
    const m = ctx.message
    if (m.type !== MessageType.CALL) return undefined
    const role = this.rt.roles.get(m.name)
    if (role === undefined) return undefined
    if (!this.isOpen()) {
      if (role.kind === 'lookup') this.rt.metrics.fallbacks.disabled++
      return undefined
    }
    if (role.kind !== 'write') this.maintenance.noteCall(ctx)
    else this.rt.overlap.begin(ctx, role.model, role.write)
    if (role.kind !== 'lookup') return undefined
    const { model, lookup } = role
    const answer = lookup.returnsList ? answerRange(this.rt, this.maintenance, model, lookup, m) : answerPoint(this.rt, this.maintenance, model, lookup, m)
    return answer.catch((err: unknown) => {
      this.rt.metrics.fallbacks[FallbackReason.error]++
      this.rt.log('warn', `index lookup ${m.method} forwarded after an error: ${(err as Error).message}`, { code: (err as { code?: string }).code })
      return undefined
    })
  }

  onReply(ctx: CallContext, reply: Message): void | Promise<void> {
    const role = this.rt.roles.get(ctx.message.name)
    if (role === undefined || !this.isOpen()) return undefined
    return this.maintenance.onReply(ctx, role, reply).catch(async (err: unknown) => {
      this.failed(ctx, err)
      // A successful write the index could not record: it no longer knows the truth.
      if (role.kind === 'write') await this.maintenance.onFailure(role).catch((e: unknown) => this.failed(ctx, e))
    })
  }

  onFailure(ctx: CallContext, _cause: string): void | Promise<void> {
    const role = this.rt.roles.get(ctx.message.name)
    if (role === undefined || !this.isOpen()) return undefined
    return this.maintenance.onFailure(role).catch((err: unknown) => this.failed(ctx, err))
  }

  /** After onReply/onFailure (or a write never sent): the write is no longer in flight. */
  onSettled(ctx: CallContext): void {
    this.rt.overlap.end(ctx)
  }

  private failed(ctx: CallContext, err: unknown): void {
    this.rt.metrics.maintenanceErrors++
    this.rt.log('error', `index maintenance for ${ctx.message.method} failed: ${(err as Error).message}`, { code: (err as { code?: string }).code })
  }
}
