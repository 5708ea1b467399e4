// The in-process tier: a byte-bounded LRU of decoded entries plus the bookkeeping that keeps it
// correct under concurrent invalidation. The same stale-set rule as in Redis: a reader takes a
// fill token before it asks the next tier (Redis or the upstream), and its fill is dropped if the
// key, its method or the whole tier was invalidated since. Method-wide invalidation is O(1): each
// method has a generation; entries of an older generation read as absent and age out of the LRU.
import type { StoredEntry } from './entry.js'
import { ByteLru } from './lru.js'

/** Per-method state the handler keeps next to its rule, so a hit needs no extra lookup. */
export interface MethodSlot {
  readonly methodId: string
  /** Bumped by a method-wide invalidation. */
  gen: number
}

export interface LocalEntry {
  readonly entry: StoredEntry
  readonly gen: number
  readonly slot: MethodSlot
  /** The result struct in the compact protocol, made on first compact hit. */
  compact: Buffer | undefined
}

export interface FillToken {
  readonly seq: number
  readonly gen: number
  readonly epoch: number
  readonly at: number
}

export interface LocalTierOptions {
  readonly maxBytes: number
  /** Fills older than this are dropped: bounds how long key invalidations must be remembered. */
  readonly maxFillAgeMs: number
}

/**
 * Bytes an entry is accounted for: its key and result bytes plus the objects that hold them (LRU
 * node and Map slot, LocalEntry, StoredEntry, the result's Buffer view, string headers). Measured
 * on Node 20 with 100k getUser entries: ~490 bytes of heap per entry besides the result bytes
 * (the former 160 let a 64 MiB bound hold ~4x its size). A compact copy adds its own Buffer view.
 */
const ENTRY_OVERHEAD = 448
const BUFFER_VIEW_OVERHEAD = 96

function accountedBytes(key: string, result: Buffer, compact: Buffer | undefined): number {
  return ENTRY_OVERHEAD + key.length + result.length + (compact === undefined ? 0 : BUFFER_VIEW_OVERHEAD + compact.length)
}

export class LocalTier {
  readonly lru: ByteLru<string, LocalEntry>
  readonly #maxFillAgeMs: number
  /** Invalidation sequence: a token remembers it, a key invalidation records it. */
  #seq = 0
  /** Bumped by clear(): every fill token taken before is void. */
  #epoch = 0
  /** key -> [seq, time] of its last invalidation, oldest first (re-inserted on update). */
  readonly #invalidated = new Map<string, [number, number]>()

  constructor(options: LocalTierOptions) {
    this.lru = new ByteLru(options.maxBytes)
    this.#maxFillAgeMs = options.maxFillAgeMs
  }

  /** A live entry (any freshness: the caller decides), or undefined. */
  get(key: string, slot: MethodSlot): LocalEntry | undefined {
    const e = this.lru.get(key)
    if (e === undefined) return undefined
    if (e.gen !== slot.gen) {
      this.lru.delete(key)
      return undefined
    }
    return e
  }

  peek(key: string, slot: MethodSlot): LocalEntry | undefined {
    const e = this.lru.peek(key)
    return e !== undefined && e.gen === slot.gen ? e : undefined
  }

  token(slot: MethodSlot): FillToken {
    return { seq: this.#seq, gen: slot.gen, epoch: this.#epoch, at: Date.now() }
  }

  /** Stores unless an invalidation came after `token` was taken. Returns false when dropped. */
  fill(key: string, slot: MethodSlot, token: FillToken, entry: StoredEntry, compact?: Buffer): boolean {
    if (!this.valid(key, slot, token)) return false
    return this.lru.set(key, { entry, gen: slot.gen, slot, compact }, accountedBytes(key, entry.result, compact))
  }

  valid(key: string, slot: MethodSlot, token: FillToken): boolean {
    if (token.epoch !== this.#epoch || token.gen !== slot.gen) return false
    if (Date.now() - token.at > this.#maxFillAgeMs) return false
    const inv = this.#invalidated.get(key)
    // An invalidation numbered after the token's seq happened after the token was taken.
    return inv === undefined || inv[0] <= token.seq
  }

  /** Adds the compact form of a live entry (served to compact clients without transcoding again). */
  addCompact(key: string, e: LocalEntry, compact: Buffer): void {
    e.compact = compact
    this.lru.resize(key, accountedBytes(key, e.entry.result, compact))
  }

  invalidateKey(key: string): void {
    const seq = ++this.#seq
    this.lru.delete(key)
    this.#invalidated.delete(key)
    this.#invalidated.set(key, [seq, Date.now()])
    this.#prune()
  }

  invalidateMethod(slot: MethodSlot): void {
    this.#seq++
    slot.gen++
  }

  /** Drops everything and voids every outstanding fill token. */
  clear(): void {
    this.#seq++
    this.#epoch++
    this.lru.clear()
    this.#invalidated.clear()
  }

  #prune(): void {
    const cutoff = Date.now() - this.#maxFillAgeMs
    for (const [k, [, at]] of this.#invalidated) {
      if (at >= cutoff) break
      this.#invalidated.delete(k)
    }
  }
}
