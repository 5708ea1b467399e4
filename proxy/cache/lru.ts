// A least-recently-used map bounded by bytes, not entry count: cached replies range from a few
// bytes to megabytes, so a count bound would either waste memory or evict everything.
//
// Recency is an intrusive doubly linked list through the entries, not the Map's insertion order:
// a hit is one Map lookup and a few pointer moves (no Map delete/re-insert, which at 100k entries
// cost more than the rest of a hit and kept each lookup's key string alive), and an eviction takes
// the list's tail in O(1). (Evicting "the Map's first entry" walks the deleted slots at the front
// of V8's hash table on every call: ~170 µs per eviction at 100k entries.)

export interface LruStats {
  readonly entries: number
  readonly bytes: number
  readonly maxBytes: number
  readonly evictions: number
}

interface Node<K, V> {
  readonly key: K
  value: V
  bytes: number
  /** Towards the most recent end. */
  newer: Node<K, V> | undefined
  /** Towards the least recent end. */
  older: Node<K, V> | undefined
}

export class ByteLru<K, V> {
  readonly #map = new Map<K, Node<K, V>>()
  readonly #maxBytes: number
  readonly #onEvict: ((key: K, value: V) => void) | undefined
  /** Most recently used. */
  #head: Node<K, V> | undefined
  /** Least recently used: evicted first. */
  #tail: Node<K, V> | undefined
  #bytes = 0
  #evictions = 0

  /** `onEvict` runs for entries dropped to make room (not for delete/clear/replace). */
  constructor(maxBytes: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`)
    this.#maxBytes = maxBytes
    this.#onEvict = onEvict
  }

  get(key: K): V | undefined {
    const node = this.#map.get(key)
    if (node === undefined) return undefined
    if (node !== this.#head) {
      this.#unlink(node)
      this.#pushHead(node)
    }
    return node.value
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
    const node: Node<K, V> = { key, value, bytes, newer: undefined, older: undefined }
    this.#map.set(key, node)
    this.#pushHead(node)
    this.#bytes += bytes
    this.#shrink()
    return true
  }

  /** Re-accounts an entry whose retained size changed (a lazily added second encoding). */
  resize(key: K, bytes: number): void {
    const node = this.#map.get(key)
    if (node === undefined) return
    this.#bytes += bytes - node.bytes
    node.bytes = bytes
    this.#shrink()
  }

  delete(key: K): boolean {
    const node = this.#map.get(key)
    if (node === undefined) return false
    this.#map.delete(key)
    this.#unlink(node)
    this.#bytes -= node.bytes
    return true
  }

  clear(): void {
    this.#map.clear()
    this.#head = undefined
    this.#tail = undefined
    this.#bytes = 0
  }

  /** Keys from least to most recently used. */
  *keys(): IterableIterator<K> {
    for (let n = this.#tail; n !== undefined; n = n.newer) yield n.key
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

  #unlink(node: Node<K, V>): void {
    const { newer, older } = node
    if (newer === undefined) this.#head = older
    else newer.older = older
    if (older === undefined) this.#tail = newer
    else older.newer = newer
    node.newer = undefined
    node.older = undefined
  }

  #pushHead(node: Node<K, V>): void {
    const head = this.#head
    node.older = head
    node.newer = undefined
    if (head === undefined) this.#tail = node
    else head.newer = node
    this.#head = node
  }

  #shrink(): void {
    while (this.#bytes > this.#maxBytes) {
      const oldest = this.#tail
      if (oldest === undefined) break
      this.#map.delete(oldest.key)
      this.#unlink(oldest)
      this.#bytes -= oldest.bytes
      this.#evictions++
      this.#onEvict?.(oldest.key, oldest.value)
    }
  }
}
