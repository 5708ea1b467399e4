// What the admin endpoints and the CLI do with the cache: purge one entry (method + JSON args,
// names from the IDL), a whole method or service, or everything; show an entry's metadata.
// Purges go through the same path as write-driven invalidation (both tiers, then the bus).
import type { IdlModel } from '../config/index.js'
import { freshness } from './entry.js'
import { CacheError, CacheErrorCode } from './errors.js'
import { argsFromJson } from './json-args.js'
import { keyForArgs, type EntryKey } from './keys.js'
import type { ReadRule } from './rules.js'
import type { CacheTiers } from './tiers.js'

export interface EntryInfo {
  readonly service: string
  readonly method: string
  readonly tier: 'memory' | 'redis'
  readonly kind: 'value' | 'negative'
  /** fresh, grace (served stale while refreshing), keep (served only if the upstream fails). */
  readonly state: string
  readonly ageMs: number
  /** Until it stops being fresh (negative once stale). */
  readonly ttlMs: number
  /** Until it is dropped altogether. */
  readonly expiresInMs: number
  readonly bytes: number
}

export class CacheAdmin {
  readonly #tiers: CacheTiers
  readonly #idl: IdlModel | undefined

  constructor(tiers: CacheTiers, idl: IdlModel | undefined) {
    this.#tiers = tiers
    this.#idl = idl
  }

  /** Every cached method, as "Service.method". */
  methods(): string[] {
    return [...this.#tiers.rules.byMethodId.keys()]
  }

  async purgeEntry(service: string, method: string, args: unknown, vary?: Record<string, string>): Promise<void> {
    await this.#tiers.invalidate([{ kind: 'key', key: this.#key(service, method, args, vary) }])
  }

  async purgeMethod(service: string, method: string): Promise<void> {
    await this.#tiers.invalidate([{ kind: 'method', rule: this.#rule(service, method) }])
  }

  async purgeService(service: string): Promise<number> {
    const rules = this.#tiers.rules.byService.get(service)
    if (rules === undefined) throw new CacheError(CacheErrorCode.BAD_REQUEST, `no cached service "${service}" (known: ${[...this.#tiers.rules.byService.keys()].join(', ') || 'none'})`)
    await this.#tiers.invalidate(rules.map((rule) => ({ kind: 'method' as const, rule })))
    return rules.length
  }

  async purgeAll(): Promise<void> {
    await this.#tiers.invalidate([...this.#tiers.rules.byMethodId.values()].map((rule) => ({ kind: 'method' as const, rule })))
  }

  /** Where an entry is and how old; undefined when no tier holds it. The in-process tier is asked first. */
  async inspect(service: string, method: string, args: unknown, vary?: Record<string, string>): Promise<EntryInfo | undefined> {
    const key = this.#key(service, method, args, vary)
    const now = Date.now()
    const local = this.#tiers.local?.peek(key.local, key.rule.slot)
    if (local !== undefined) {
      const e = local.entry
      return { service, method, tier: 'memory', kind: e.kind, state: freshness(e, now), ageMs: now - e.storedAt, ttlMs: e.freshUntil - now, expiresInMs: e.keepUntil - now, bytes: e.result.length }
    }
    const redis = this.#tiers.redis
    if (redis === undefined || !redis.usable) return undefined
    const r = await redis.inspect(redis.keys.entry(key.rule.methodId, key.bytes))
    if (r === undefined) return undefined
    const e = r.entry
    return { service, method, tier: 'redis', kind: e.kind, state: freshness(e, now), ageMs: now - e.storedAt, ttlMs: e.freshUntil - now, expiresInMs: r.pttlMs, bytes: r.bytes }
  }

  #rule(service: string, method: string): ReadRule {
    const rule = this.#tiers.rules.byMethodId.get(`${service}.${method}`)
    if (rule === undefined) throw new CacheError(CacheErrorCode.BAD_REQUEST, `no read rule for ${service}.${method} (cached: ${this.methods().join(', ') || 'none'})`)
    return rule
  }

  #key(service: string, method: string, args: unknown, vary?: Record<string, string>): EntryKey {
    const rule = this.#rule(service, method)
    const m = this.#idl?.services.get(service)?.methods.get(method)
    if (this.#idl === undefined || m === undefined) throw new CacheError(CacheErrorCode.BAD_REQUEST, `purging one entry needs the IDL of ${service}.${method} (config "idl:")`)
    const fields = argsFromJson(this.#idl, m.args, args ?? {}, `${method}(args)`)
    const v = vary === undefined ? undefined : new Map(Object.entries(vary).map(([k, x]) => [k, Buffer.from(x, 'utf8')]))
    return keyForArgs(rule, fields, v)
  }
}
