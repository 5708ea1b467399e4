// Several sidecars, one truth: every index change is published to a Redis Stream (XADD) and every
// sidecar applies the stream, in stream order, to its own RocksDB, storing the last applied stream ID
// in the same write batch as the changes (so a restart resumes exactly where it stopped).
//
// A change's version is its stream ID, so every sidecar orders changes the same way, including the
// publisher, which applies its own change right away (before its client sees the write's reply) and
// skips it when it comes back through the stream (same version).
//
// Gaps: trimming (XADD MAXLEN / XTRIM) removes entries from the head, and Redis >= 7 counts every
// entry ever added (XINFO STREAM `entries-added`). The sidecar stores, with its position, how many
// entries had been added up to it; if more entries than that are gone (`entries-added - length`),
// some it never applied were trimmed. XDEL shows in `max-deleted-entry-id`. A stream that vanished
// while we had a position is a gap too (Redis lost its data). On a gap the sidecar drops authority
// (ranges forward again) until it re-backfills, and continues from the stream's end.
// A publish that fails (Redis down) leaves the other sidecars without that change: once Redis answers
// again we publish a "reset" entry for the entity, and every sidecar drops authority for it.

import { randomBytes } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { entryFields, readEntry, type ReplicatedChange } from './change-codec.js'
import { IndexError, IndexErrorCode } from './errors.js'
import { metaKey } from './keyspace.js'
import type { EntityChange, IndexStore, MetaPut } from './store.js'
import { streamIdOf, versionFromStreamId, versionMs, VERSION_BYTES, ZERO_VERSION, type Version } from './version.js'

export interface ReplicationOptions {
  /** redis://host:port/db */
  readonly url: string
  /** AUTH and TLS beyond the URL (cache.redis.username/password/tls when the URL is the cache's). */
  readonly redisOptions?: RedisOptions
  /** Stream key, one per indexed service (e.g. "thriftgate:index:UserService"). */
  readonly stream: string
  /** Approximate MAXLEN trimming on XADD; a sidecar offline longer than this many writes re-backfills. */
  readonly maxLen?: number
  readonly blockMs?: number
  readonly batch?: number
  /** How often to re-check for gaps and measure lag. */
  readonly checkEveryMs?: number
  /** Publish timeout: a write's reply waits at most this long for Redis. */
  readonly publishTimeoutMs?: number
  readonly sidecarId?: string
  readonly log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void
}

export type ReplicationStatus = 'following' | 'disconnected' | 'closed'

const POSITION_KEY = metaKey('stream')

interface StreamInfo {
  readonly lastGenerated: Version
  readonly maxDeleted: Version
  /** Entries ever added (Redis >= 7), or undefined on older servers. */
  readonly entriesAdded: bigint | undefined
  readonly length: bigint
  /** The first retained entry (0-0 when empty). */
  readonly firstEntry: Version
}

export class IndexReplicator {
  status: ReplicationStatus = 'following'
  /** Gaps detected since start (a metric). */
  gaps = 0
  private position: Version
  /** Entries added to the stream up to and including `position` (see the gap rule above). */
  private addedThrough: bigint
  private head: Version
  private readonly pendingResets = new Set<string>()
  private readonly pub: Redis
  private readonly sub: Redis
  private loop: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private readonly waiters = new Set<() => void>()
  /**
   * Told of each change from the stream (the publisher's own too) before it is applied, with when
   * its write was sent (undefined: a peer that does not say): write-overlap.ts.
   */
  onChange: ((change: EntityChange, sentMs: number | undefined, local: boolean) => void) | undefined
  private readonly origin = randomBytes(8).toString('hex')

  private constructor(
    private readonly store: IndexStore,
    private readonly opts: ReplicationOptions,
    position: Version,
    addedThrough: bigint,
  ) {
    this.position = position
    this.addedThrough = addedThrough
    this.head = position
    const common = { ...opts.redisOptions, protocol: 2 as const, lazyConnect: true, connectTimeout: 2000 }
    // Publishing must fail fast rather than queue: the write's reply is waiting on it.
    this.pub = new Redis(opts.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: opts.publishTimeoutMs ?? 1000 })
    // One retry per XREAD: while Redis is away the loop sees errors (status 'disconnected') instead
    // of a command parked forever in the offline queue.
    this.sub = new Redis(opts.url, { ...common, maxRetriesPerRequest: 1 })
    for (const r of [this.pub, this.sub]) r.on('error', () => undefined)
  }

  /** Connects, checks the stored position against the stream (gap → no authority), starts following. */
  static async start(store: IndexStore, opts: ReplicationOptions): Promise<IndexReplicator> {
    const stored = await store.getMeta(POSITION_KEY)
    const r = new IndexReplicator(
      store,
      opts,
      stored ? Buffer.from(stored.subarray(0, VERSION_BYTES)) : ZERO_VERSION,
      stored && stored.length >= VERSION_BYTES + 8 ? stored.readBigUInt64BE(VERSION_BYTES) : 0n,
    )
    try {
      await Promise.all([r.pub.connect(), r.sub.connect()])
      const info = await r.info()
      if (!stored) {
        // A sidecar joining replication has not seen the changes made so far.
        r.position = info?.lastGenerated ?? ZERO_VERSION
        r.addedThrough = info?.entriesAdded ?? 0n
        await store.apply([], [...store.authorityLoss(store.entityNames, 'joined replication: needs a backfill'), r.positionPut()])
      } else {
        await r.checkGap(info)
      }
    } catch (err) {
      await r.close()
      throw new IndexError(IndexErrorCode.REPLICATION, `cannot start index replication on ${opts.stream}: ${(err as Error).message}`, { cause: err })
    }
    r.loop = r.follow()
    r.timer = setInterval(() => void r.periodic(), opts.checkEveryMs ?? 5000)
    r.timer.unref()
    return r
  }

  private positionPut(position = this.position, addedThrough = this.addedThrough): MetaPut {
    const v = Buffer.allocUnsafe(VERSION_BYTES + 8)
    position.copy(v, 0)
    v.writeBigUInt64BE(addedThrough, VERSION_BYTES)
    return { key: POSITION_KEY, value: v }
  }

  /** XINFO STREAM, or undefined when the stream does not exist. */
  private async info(): Promise<StreamInfo | undefined> {
    let raw: unknown
    try {
      raw = await this.pub.call('XINFO', 'STREAM', this.opts.stream)
    } catch (err) {
      if (/no such key/i.test((err as Error).message)) return undefined
      throw err
    }
    const flat = raw as unknown[]
    const get = (k: string): string | undefined => {
      for (let i = 0; i + 1 < flat.length; i += 2) if (String(flat[i]) === k) return String(flat[i + 1])
      return undefined
    }
    const added = get('entries-added')
    const first = get('recorded-first-entry-id')
    const info: StreamInfo = {
      lastGenerated: versionFromStreamId(get('last-generated-id') ?? '0-0'),
      maxDeleted: versionFromStreamId(get('max-deleted-entry-id') ?? '0-0'),
      entriesAdded: added === undefined ? undefined : BigInt(added),
      length: BigInt(get('length') ?? '0'),
      firstEntry: versionFromStreamId(first && first !== '' ? first : '0-0'),
    }
    if (Buffer.compare(info.lastGenerated, this.head) > 0) this.head = info.lastGenerated
    this.store.clock.observe(info.lastGenerated)
    return info
  }

  private async checkGap(info: StreamInfo | undefined): Promise<void> {
    const why = this.gapIn(info)
    if (why === undefined) return
    this.gaps++
    this.opts.log?.('warn', `index replication gap: ${why}; range lookups forward until a backfill`, { code: IndexErrorCode.REPLICATION_GAP })
    // Continue from the stream's end: what is left is applied by nobody's count, so start counting afresh.
    this.position = info?.lastGenerated ?? ZERO_VERSION
    this.addedThrough = info?.entriesAdded ?? 0n
    if (Buffer.compare(this.position, this.head) > 0) this.head = this.position
    await this.store.apply([], [...this.store.authorityLoss(this.store.entityNames, `replication gap: ${why}`), this.positionPut()])
  }

  /** Why entries after our position are missing, or undefined when none are. */
  private gapIn(info: StreamInfo | undefined): string | undefined {
    const at = streamIdOf(this.position)
    if (info === undefined) return Buffer.compare(this.position, ZERO_VERSION) > 0 ? 'the replication stream is gone' : undefined
    if (Buffer.compare(info.maxDeleted, this.position) > 0) return `entries up to ${streamIdOf(info.maxDeleted)} were deleted (this sidecar is at ${at})`
    if (info.entriesAdded === undefined) {
      // Redis < 7: no counter; a first entry past our position may hide trimmed entries. Assume so.
      const first = info.length === 0n ? info.lastGenerated : info.firstEntry
      const behind = Buffer.compare(first, this.position) > 0 && Buffer.compare(this.position, ZERO_VERSION) > 0
      return behind ? `the stream starts after this sidecar's position ${at}` : undefined
    }
    const removed = info.entriesAdded - info.length
    return removed > this.addedThrough ? `${removed - this.addedThrough} entries after ${at} were trimmed before this sidecar applied them` : undefined
  }

  /**
   * Publishes one write's changes and returns their version (the stream ID). On failure the
   * entities are remembered for a reset entry once Redis is back, and the error is thrown.
   */
  async publish(changes: readonly ReplicatedChange[], sentMs?: number): Promise<Version> {
    try {
      await this.flushResets()
      // With the send time, the entry's ID (Redis's time at XADD) bounds when the upstream applied it.
      const id = (await this.pub.call('XADD', this.opts.stream, 'MAXLEN', '~', String(this.opts.maxLen ?? 1_000_000), '*', ...entryFields(changes, this.origin, sentMs))) as string
      const v = versionFromStreamId(String(id))
      this.store.clock.observe(v)
      return v
    } catch (err) {
      for (const c of changes) this.pendingResets.add(c.entity)
      throw new IndexError(IndexErrorCode.REPLICATION, `cannot publish index change: ${(err as Error).message}`, { cause: err })
    }
  }

  /**
   * Tells every sidecar (this one included) that `entity` changed in a way the stream does not
   * carry (a write with an unknown outcome): all drop authority for it. Never throws: if Redis is
   * away the reset is sent when it is back.
   */
  async reset(entity: string): Promise<void> {
    this.pendingResets.add(entity)
    await this.flushResets().catch(() => undefined)
  }

  private async flushResets(): Promise<void> {
    for (const entity of [...this.pendingResets]) {
      await this.pub.call('XADD', this.opts.stream, 'MAXLEN', '~', String(this.opts.maxLen ?? 1_000_000), '*', 'r', entity)
      this.pendingResets.delete(entity)
    }
  }

  private async follow(): Promise<void> {
    while (!this.closed) {
      try {
        const raw = (await this.sub.callBuffer('XREAD', 'COUNT', String(this.opts.batch ?? 512), 'BLOCK', String(this.opts.blockMs ?? 1000), 'STREAMS', this.opts.stream, streamIdOf(this.position))) as
          | [Buffer, [Buffer, Buffer[]][]][]
          | null
        if (this.status === 'disconnected') {
          this.status = 'following'
          await this.checkGap(await this.info())
        }
        if (raw) await this.applyEntries(raw[0]?.[1] ?? [])
        if (Buffer.compare(this.position, this.head) >= 0) this.wakeWaiters()
      } catch (err) {
        if (this.closed) return
        if (this.status !== 'disconnected') this.opts.log?.('warn', `index replication interrupted: ${(err as Error).message}`)
        this.status = 'disconnected'
        await new Promise((r) => setTimeout(r, 500).unref())
      }
    }
  }

  private async applyEntries(entries: [Buffer, Buffer[]][]): Promise<void> {
    if (entries.length === 0) return
    const changes: EntityChange[] = []
    const resets = new Set<string>()
    let last = this.position
    for (const [idBuf, fields] of entries) {
      const version = versionFromStreamId(idBuf.toString('latin1'))
      last = version
      const e = readEntry(fields)
      for (const r of e.resets) resets.add(r)
      for (const c of e.changes) {
        const change: EntityChange = { ...c, version, kind: 'write' }
        changes.push(change)
        if (this.store.entityNames.includes(c.entity)) this.onChange?.(change, e.sentMs, e.origin === this.origin)
      }
    }
    const known = changes.filter((c) => this.store.entityNames.includes(c.entity))
    const added = this.addedThrough + BigInt(entries.length)
    if (Buffer.compare(last, this.head) > 0) this.head = last
    const lost = [...resets].filter((e) => this.store.entityNames.includes(e))
    await this.store.apply(known, [...this.store.authorityLoss(lost, 'a peer sidecar could not publish a change'), this.positionPut(last, added)])
    // Only now: "applied" means on disk, which is what waitCaughtUp promises.
    this.position = last
    this.addedThrough = added
  }

  private async periodic(): Promise<void> {
    if (this.closed) return
    try {
      await this.flushResets()
      await this.checkGap(await this.info())
    } catch {
      // Redis unreachable: the follow loop reports it; the next tick retries.
    }
  }

  /** The last stream ID applied to the local store. */
  get appliedId(): string {
    return streamIdOf(this.position)
  }

  /** How far behind the newest known stream entry this sidecar is, in milliseconds of stream time. */
  get lagMs(): number {
    return Math.max(0, versionMs(this.head) - versionMs(this.position))
  }

  get caughtUp(): boolean {
    return Buffer.compare(this.position, this.head) >= 0
  }

  /** Resolves true once everything published before the call is applied locally (false on timeout). */
  async waitCaughtUp(timeoutMs: number): Promise<boolean> {
    await this.info().catch(() => undefined)
    if (this.caughtUp) return true
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(t)
        this.waiters.delete(wake)
        resolve(ok)
      }
      const wake = (): void => done(true)
      const t = setTimeout(() => done(false), timeoutMs)
      this.waiters.add(wake)
    })
  }

  private wakeWaiters(): void {
    for (const w of [...this.waiters]) w()
  }

  /** Stops following (idempotent). The store stays open; its owner closes it. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.status = 'closed'
    if (this.timer) clearInterval(this.timer)
    this.sub.disconnect()
    this.pub.disconnect()
    // A blocked XREAD on a reconnecting client may never settle: do not let shutdown wait on it.
    await Promise.race([this.loop?.catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())])
    this.wakeWaiters()
  }
}
