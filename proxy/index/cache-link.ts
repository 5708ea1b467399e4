// What the index needs from the read cache, as a narrow interface: its read handler (to fetch
// entities through it) and targeted invalidation of cached replies, including those keyed by a
// field's OLD value (getUserByEmail("old@x") after the email changed), which the cache's own
// write rules cannot know because they only see the write's new arguments.

import type { TField } from '../codec/index.js'
import type { CallHandler } from '../core/index.js'
import { keyForArgs, keyFromBytes, type InvalidationItem, type ThriftCache } from '../cache/index.js'

export interface InvalidationTarget {
  readonly service: string
  readonly method: string
  /** The call's arguments; undefined: every cached reply of the method. */
  readonly args: readonly TField[] | undefined
}

export interface CacheLink {
  readonly handler: CallHandler | undefined
  invalidate(targets: readonly InvalidationTarget[]): Promise<void>
  /**
   * The fresh result struct (binary protocol) the in-process tier holds for `service.method(args)`,
   * without building a reply: the fast path for the many entities of a range answer. `args` are the
   * argument struct's canonical bytes (entity-args.ts getArgsKey), as the cache keys calls.
   */
  peek(service: string, method: string, args: Buffer): Buffer | undefined
}

export function cacheLinkFor(cache: ThriftCache): CacheLink {
  return {
    handler: cache.handler,
    peek(service, method, args) {
      const local = cache.tiers.local
      const rule = local === undefined ? undefined : cache.rules.byMethodId.get(`${service}.${method}`)
      if (rule === undefined || rule.vary.length > 0) return undefined
      const e = local!.get(keyFromBytes(rule, args).local, rule.slot)
      if (e === undefined || e.entry.kind !== 'value' || e.entry.freshUntil <= Date.now()) return undefined
      cache.metrics.hitsMemory++
      return e.entry.result
    },
    async invalidate(targets) {
      const items: InvalidationItem[] = []
      for (const t of targets) {
        const rule = cache.rules.byMethodId.get(`${t.service}.${t.method}`)
        if (rule === undefined) continue // not cached: nothing to drop
        const bound = t.args !== undefined && rule.vary.length === 0 && (rule.argIds ?? []).every((id) => t.args!.some((f) => f.id === id))
        items.push(bound ? { kind: 'key', key: keyForArgs(rule, t.args!) } : { kind: 'method', rule })
      }
      await cache.tiers.invalidate(items)
    },
  }
}
