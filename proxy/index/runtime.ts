// The state the index's paths share: the store, the resolved entities, which wire names play which
// role, and the helpers they call. One per running index.

import type { CacheLink } from './cache-link.js'
import type { EntityModel, LookupModel, WriteModel } from './entity-model.js'
import type { EntityFetcher } from './fetcher.js'
import type { IndexMetrics } from './metrics.js'
import type { IndexReplicator } from './replication.js'
import type { IndexStore } from './store.js'
import type { WriteOverlap } from './write-overlap.js'

export type CallRole =
  | { readonly kind: 'lookup'; readonly model: EntityModel; readonly lookup: LookupModel }
  | { readonly kind: 'write'; readonly model: EntityModel; readonly write: WriteModel }
  | { readonly kind: 'get'; readonly model: EntityModel }

export type IndexLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void

export interface IndexLimits {
  /** Most index entries a range lookup reads before forwarding instead. Default 100,000. */
  readonly maxRangeScan: number
  /** Entities fetched at once for one range lookup. Default 16. */
  readonly fetchConcurrency: number
}

export const DEFAULT_INDEX_LIMITS: IndexLimits = { maxRangeScan: 100_000, fetchConcurrency: 16 }

export interface IndexRuntime {
  readonly store: IndexStore
  readonly entities: ReadonlyMap<string, EntityModel>
  /** By wire name: "Service:method" and, when unambiguous, the bare method. */
  readonly roles: ReadonlyMap<string, CallRole>
  readonly fetcher: EntityFetcher
  readonly metrics: IndexMetrics
  readonly replicator: IndexReplicator | undefined
  readonly cache: CacheLink | undefined
  readonly limits: IndexLimits
  readonly log: IndexLog
  /** Keys whose writes overlapped (order upstream unknown): their entity's ranges forward. */
  readonly overlap: WriteOverlap
}

/** Wire names → roles, for every entity of every service. */
export function rolesOf(models: readonly EntityModel[]): Map<string, CallRole> {
  const roles = new Map<string, CallRole>()
  const bare = new Map<string, CallRole | null>()
  const add = (method: string, role: CallRole, service: string): void => {
    roles.set(`${service}:${method}`, role)
    bare.set(method, bare.has(method) ? null : role)
  }
  for (const model of models) {
    add(model.get.method, { kind: 'get', model }, model.service)
    for (const write of model.writes.values()) add(write.method, { kind: 'write', model, write }, model.service)
    for (const lookup of model.lookups.values()) add(lookup.method, { kind: 'lookup', model, lookup }, model.service)
  }
  // A bare name used by several services is ambiguous without multiplexing: leave it alone.
  for (const [method, role] of bare) if (role !== null) roles.set(method, role)
  return roles
}
