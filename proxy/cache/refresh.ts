// `grace`: a stale entry is served while one background refresh per key runs through the proxy's
// own pool; readers keep getting the stale copy until the refreshed entry is stored. Across
// sidecars, the Redis lease makes one of them refresh while the others keep serving stale.
import type { Message } from '../codec/index.js'
import type { EntryKey } from './keys.js'
import { entryFromReply } from './store-entry.js'
import type { CacheTiers, Lease } from './tiers.js'

export class Refresher {
  readonly #refreshing = new Set<string>()

  constructor(
    private readonly tiers: CacheTiers,
    /** The pool's call; without it there is no background refresh (the entry just ages out). */
    private readonly fetch: ((request: Message) => Promise<Message>) | undefined,
    private readonly maxEntryBytes: number,
  ) {}

  /** Starts a refresh of `key` with the call `m` unless one runs; `lease`: one we already hold. */
  refresh(key: EntryKey, m: Message, lease?: Lease): void {
    const fetch = this.fetch
    if (fetch === undefined || this.#refreshing.has(key.local)) {
      if (lease !== undefined) void this.tiers.redis?.release(lease.keys, lease.token)
      return
    }
    this.#refreshing.add(key.local)
    const run = async (): Promise<void> => {
      const token = this.tiers.local?.token(key.rule.slot)
      let l = lease
      const redis = this.tiers.redis
      if (l === undefined && redis !== undefined && redis.usable) {
        const rk = redis.keys.entry(key.rule.methodId, key.bytes)
        const r = await redis.lookup(rk, Date.now(), true)
        if (r.state === 'fresh' && r.entry !== undefined) {
          this.tiers.store(key, token, undefined, r.entry, false) // another sidecar refreshed it already
          return
        }
        if (r.state === 'held') return
        if (r.state === 'leased') l = { keys: rk, gen: r.gen, token: r.token }
      }
      const reply = await fetch(m)
      const v = entryFromReply(key.rule, reply, this.maxEntryBytes, Date.now())
      if (v.ok) {
        this.tiers.metrics.refreshes++
        this.tiers.store(key, token, l, v.entry)
      } else if (l !== undefined) void redis?.release(l.keys, l.token)
    }
    run()
      .catch(() => undefined)
      .finally(() => this.#refreshing.delete(key.local))
  }
}
