// A least-recently-used map bounded by bytes, not entry count: cached replies range from a few
// bytes to megabytes, so a count bound would either waste memory or evict everything.
// Recency is the Map's insertion order (a get re-inserts), which keeps a hit to two hash operations
// and no allocation.

export interface LruStats {
  readonly entries: number
  readonly bytes: number
  readonly maxBytes: number
  readonly evictions: number
}

interface Slot<V> {
  readonly value: V
  readonly bytes: number
}

export class ByteLru<K, V> {
  readonly #map = new Map<K, Slot<V>>()
  readonly #maxBytes: number
  readonly #onEvict: ((key: K, value: V) => void) | undefined
  #bytes = 0
  #evictions = 0

  /** `onEvict` runs for entries dropped to make room (not for delete/clear/replace). */
  constructor(maxBytes: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`)
    this.#maxBytes = maxBytes
    this.#onEvict = onEvict
  }

  get(key: K): V | undefined {
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, slot)
    return slot.value
  }

  /** Without touching recency (inspection, admin). */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  /**
   * Stores `value` accounted as `bytes`. Returns false (and stores nothing, dropping any old value
   * under `key`) when one entry alone exceeds the whole bound.
   */
  set(key: K, value: V, bytes: number): boolean {
    this.delete(key)
    if (bytes > this.#maxBytes) return false
    this.#map.set(key, { value, bytes })
    this.#bytes += bytes
    this.#shrink()
    return true
  }

  /** Re-accounts an entry whose retained size changed (a lazily added second encoding). */
  resize(key: K, bytes: number): void {
    const slot = this.#map.get(key)
    if (slot === undefined) return
    this.#bytes += bytes - slot.bytes
    this.#map.set(key, { value: slot.value, bytes })
    this.#shrink()
  }

  delete(key: K): boolean {
    const slot = this.#map.get(key)
    if (slot === undefined) return false
    this.#map.delete(key)
    this.#bytes -= slot.bytes
    return true
  }

  clear(): void {
    this.#map.clear()
    this.#bytes = 0
  }

  keys(): IterableIterator<K> {
    return this.#map.keys()
  }

  get size(): number {
    return this.#map.size
  }

  get bytes(): number {
    return this.#bytes
  }

  stats(): LruStats {
    return { entries: this.#map.size, bytes: this.#bytes, maxBytes: this.#maxBytes, evictions: this.#evictions }
  }

  #shrink(): void {
    while (this.#bytes > this.#maxBytes) {
      const oldest = this.#map.entries().next()
      if (oldest.done === true) break
      const [key, slot] = oldest.value
      this.#map.delete(key)
      this.#bytes -= slot.bytes
      this.#evictions++
      this.#onEvict?.(key, slot.value)
    }
  }
}
