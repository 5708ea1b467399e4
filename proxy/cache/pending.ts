// Invalidations that could not reach Redis, kept until they can be replayed (issue 4, item 6:
// an outage must not resurrect stale data). Bounded: past `max` key-level entries, they collapse
// into method-wide invalidations of the methods involved, which cover them (and more) in O(1) each.
import type { RedisEntryKeys } from './redis-keys.js'

export type InvalidationOp =
  | { readonly kind: 'key'; readonly methodId: string; readonly keys: RedisEntryKeys }
  | { readonly kind: 'method'; readonly methodId: string }

export class PendingInvalidations {
  readonly #max: number
  readonly #ops = new Map<string, InvalidationOp>()
  /** Method-wide ops already queued: key ops of those methods are redundant. */
  readonly #methods = new Set<string>()

  constructor(max: number) {
    this.#max = max
  }

  get size(): number {
    return this.#ops.size
  }

  add(op: InvalidationOp): void {
    if (op.kind === 'method') {
      for (const [id, o] of this.#ops) if (o.methodId === op.methodId) this.#ops.delete(id)
      this.#methods.add(op.methodId)
      this.#ops.set(`m:${op.methodId}`, op)
      return
    }
    if (this.#methods.has(op.methodId)) return
    this.#ops.set(`k:${op.keys.data}`, op)
    if (this.#ops.size > this.#max) this.#collapse()
  }

  delete(op: InvalidationOp): void {
    if (op.kind === 'method') {
      this.#ops.delete(`m:${op.methodId}`)
      this.#methods.delete(op.methodId)
    } else {
      this.#ops.delete(`k:${op.keys.data}`)
    }
  }

  /** Method-wide ops first: they make the key ops of the same method redundant. */
  snapshot(): InvalidationOp[] {
    return [...this.#ops.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'method' ? -1 : 1))
  }

  #collapse(): void {
    const methods = new Set<string>()
    for (const o of this.#ops.values()) methods.add(o.methodId)
    this.#ops.clear()
    for (const m of methods) this.add({ kind: 'method', methodId: m })
  }
}
