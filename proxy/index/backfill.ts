// Building an entity's index from the upstream: pages through the configured scan method (through
// the proxy's own pool), applying each page as an observation as of the moment its call was sent,
// so writes that pass through meanwhile (applied by maintenance) are never overwritten by an older
// page. Progress (cursor, count) is stored with each page, in the same batch, so an interrupted
// backfill resumes where it stopped. Authority is granted at the end only if none was lost
// (replication gap, unknown write outcome) since the backfill began (EntityState.epoch).

import { TType, getField, tv, type Dialect, type Message, type TStructValue, type TValue } from '../codec/index.js'
import { buildCall, replyResult } from './calls.js'
import type { EntityModel } from './entity-model.js'
import type { EntityState } from './entity-state.js'
import type { EntityChange } from './store.js'
import { IndexError, IndexErrorCode } from './errors.js'
import { EntityFetcher } from './fetcher.js'
import type { KeyType } from './key-encoding.js'
import type { IndexRuntime } from './runtime.js'
import { binaryPageKeys } from './page-keys.js'
import { decodeValue, entityKeys } from './values.js'

export interface BackfillOptions {
  /** The dialect the upstream speaks. */
  readonly dialect: Dialect
  /** Set when the upstream is multiplexed: calls are named "Service:method". */
  readonly multiplexed?: boolean
  readonly pageSize?: number
  /** Start over even if an interrupted backfill could be resumed. */
  readonly restart?: boolean
  readonly onProgress?: (p: BackfillProgressReport) => void
  readonly signal?: AbortSignal
}

export interface BackfillProgressReport {
  readonly entity: string
  readonly scanned: number
  readonly pages: number
  readonly elapsedMs: number
  readonly resumed: boolean
}

export interface BackfillResult extends BackfillProgressReport {
  readonly authoritative: boolean
  /** Entities per second over this run. */
  readonly rate: number
}

/** The smallest value of each key type: the scan's first `after` (the scan returns keys > after). */
function firstAfter(t: KeyType): TValue {
  switch (t) {
    case 'bool':
      return tv.bool(false)
    case 'i8':
      return tv.i8(-128)
    case 'i16':
      return tv.i16(-32768)
    case 'i32':
      return tv.i32(-2147483648)
    case 'i64':
      return tv.i64(-(1n << 63n))
    case 'double':
      return tv.double(-Infinity)
    case 'string':
    case 'binary':
      return tv.binary(Buffer.alloc(0))
    case 'uuid':
      return tv.uuid(Buffer.alloc(16))
  }
}

function limitValue(t: TType, n: number): TValue {
  return t === TType.I64 ? tv.i64(n) : t === TType.I16 ? tv.i16(n) : tv.i32(n)
}

export async function backfill(rt: IndexRuntime, model: EntityModel, opts: BackfillOptions): Promise<BackfillResult> {
  const scan = model.scan
  if (scan === undefined) throw new IndexError(IndexErrorCode.CONFIG, `entity ${model.name} has no scan method configured: it cannot be backfilled`)
  const store = rt.store
  const pageSize = opts.pageSize ?? 1000
  const started = Date.now()
  const before = store.state(model.name)
  const epoch = before.epoch
  const resumed = opts.restart !== true && before.backfill !== null && !before.authoritative
  let cursor = resumed ? before.backfill!.cursor : null
  let scanned = resumed ? before.backfill!.scanned : 0
  let pages = resumed ? before.backfill!.pages : 0
  const startedAt = resumed ? before.backfill!.startedAt : new Date(started).toISOString()
  const progress = (extra: Partial<EntityState> = {}): EntityState => ({
    ...store.state(model.name),
    backfill: { cursor, scanned, pages, startedAt },
    ...extra,
  })
  await store.apply([], [store.statePut(model.name, progress({ authoritative: false, reason: 'backfill running' }))])

  const name = EntityFetcher.wireName({ service: opts.multiplexed === true ? model.service : undefined }, scan.method)
  const fetchPage = (after: string | null): { asOf: Buffer; reply: Promise<Message> } => {
    const afterValue = after === null ? firstAfter(model.keyType) : decodeValue(model.keyType, Buffer.from(after, 'hex'))
    const args = tv.struct([tv.field(scan.afterId, afterValue), tv.field(scan.limitId, limitValue(scan.limitTType, pageSize))])
    // Pages are observations as of the moment their call is sent.
    return { asOf: store.clock.current, reply: rt.fetcher.call(buildCall(opts.dialect, name, args)) }
  }

  const aborted = (): boolean => opts.signal?.aborted === true
  const interrupted = (): IndexError => new IndexError(IndexErrorCode.BACKFILL, `backfill of ${model.name} interrupted after ${scanned} entities (run it again to resume)`)
  const noKey = (): IndexError => new IndexError(IndexErrorCode.BACKFILL, `${scan.method} returned a ${model.name} without a usable key`)
  let next = fetchPage(cursor)
  // The previous page's write, still in flight while this page is decoded and the next one is on
  // its way: RocksDB writes on its own threads, so the three overlap. At most one is outstanding.
  let writing: Promise<unknown> | undefined
  let inOrder = true
  try {
    for (;;) {
      if (aborted()) throw interrupted()
      const { asOf, reply } = next
      const msg = await reply
      // Binary replies: keys straight from the bytes; otherwise decoded entities.
      const entities = binaryPageKeys(model, msg) ?? pageEntities(model, msg).map((e) => entityKeys(model, e))
      if (store.state(model.name).epoch !== epoch) {
        throw new IndexError(IndexErrorCode.BACKFILL, `backfill of ${model.name} abandoned: the index lost authority meanwhile (${store.state(model.name).reason}); run it again`)
      }
      if (entities.length === 0) {
        await writing
        // The end: records after the last key the upstream returned no longer exist there.
        if (inOrder) await store.apply([], [], { entity: model.name, from: cursor === null ? undefined : Buffer.from(cursor, 'hex'), to: undefined, asOf, reconcile: true })
        break
      }
      // The last key first: it is the next page's cursor, so that page is asked for at once.
      const last = entities[entities.length - 1]
      if (last === undefined) throw noKey()
      const lastPk = last.pk
      const previous = cursor === null ? undefined : Buffer.from(cursor, 'hex')
      cursor = lastPk.toString('hex')
      next = fetchPage(cursor)
      const changes: EntityChange[] = new Array(entities.length)
      let ascending = true
      let prevPk: Buffer | undefined = previous
      for (let i = 0; i < entities.length; i++) {
        const k = entities[i]
        if (k === undefined) throw noKey()
        changes[i] = { entity: model.name, pk: k.pk, values: k.values, version: asOf, kind: 'observe' }
        if (prevPk !== undefined && Buffer.compare(prevPk, k.pk) >= 0) ascending = false
        prevPk = k.pk
      }
      // The page holds every entity after the previous cursor up to its last key, if the upstream
      // orders keys as we do (ascending, after the cursor): then records in between that it lacks
      // were deleted upstream, and go. Otherwise the page only adds. A resumed backfill does not
      // know what came before its first page, so it reconciles from its cursor on.
      inOrder &&= ascending
      const range = inOrder ? { entity: model.name, from: previous, to: lastPk, asOf, reconcile: true } : undefined
      if (writing !== undefined) await writing
      // Checked again now that the previous page is on disk: an abort seen in its progress report
      // stops before this page is written.
      if (aborted()) throw interrupted()
      scanned += entities.length
      pages++
      rt.metrics.observations += changes.length
      const report: BackfillProgressReport = { entity: model.name, scanned, pages, elapsedMs: 0, resumed }
      // Queued behind the previous page's write (the store applies in order); progress is reported
      // once the page (and its cursor) are on disk.
      writing = store.apply(changes, [store.statePut(model.name, progress())], range).then(() => opts.onProgress?.({ ...report, elapsedMs: Date.now() - started }))
    }
  } catch (err) {
    // Leaving early: neither the page asked for nor the last write may become an unhandled
    // rejection, and what was written is on disk before the caller hears why we stopped.
    next.reply.catch(() => undefined)
    await writing?.catch(() => undefined)
    throw err
  }
  const authoritative = store.state(model.name).epoch === epoch
  await store.apply([], [store.statePut(model.name, { ...store.state(model.name), authoritative, reason: authoritative ? 'backfilled' : store.state(model.name).reason, backfill: null })])
  const elapsedMs = Date.now() - started
  rt.log('info', `backfill of ${model.name} done: ${scanned} entities in ${pages} pages`, { elapsedMs, authoritative })
  return { entity: model.name, scanned, pages, elapsedMs, resumed, authoritative, rate: elapsedMs > 0 ? (scanned * 1000) / elapsedMs : scanned }
}

function pageEntities(model: EntityModel, reply: Message): TStructValue[] {
  const r = replyResult(reply)
  if (r.kind !== 'success' || r.value === undefined) {
    throw new IndexError(IndexErrorCode.BACKFILL, `${model.scan!.method} failed (${r.kind === 'declared' ? `declared exception field ${r.fieldId}` : 'application exception'})`)
  }
  let list: TValue | undefined = r.value
  if (model.scan!.listFieldId !== undefined) list = list.type === TType.STRUCT ? getField(list, model.scan!.listFieldId) : undefined
  if (list === undefined) return []
  if (list.type !== TType.LIST) throw new IndexError(IndexErrorCode.BACKFILL, `${model.scan!.method} did not return a list of ${model.name}`)
  return list.value.filter((v): v is TStructValue => v.type === TType.STRUCT)
}

