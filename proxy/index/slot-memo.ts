// An in-memory copy of recently read unique-index slots (value -> primary key), so a repeated
// point lookup skips its RocksDB read. Every RocksDB read is a round trip through libuv's thread
// pool, ~0.1 ms on an idle 2-core VM where a whole proxied lookup costs 0.3-0.5 ms.
//
// Being stale costs speed, never correctness: a point lookup fetches the entity the slot names
// and checks it still holds the value, forwarding otherwise. Still, it is kept exact: a commit
// drops the slots it writes before it starts, and a read only stores what it got if no commit
// began or ended while it was in flight (else it might store what that commit just replaced).
// Bounded by bytes (config index.slotCache), as the read cache is.

import { ByteLru } from '../cache/lru.js'

/** Map and list overhead per remembered slot, on top of its key and primary key bytes. */
const ENTRY_OVERHEAD = 96

export class SlotMemo {
  private readonly lru: ByteLru<string, Buffer>
  /** Bumped when a commit begins or ends, and on clear(). */
  private generation = 0
  private commitsInFlight = 0

  constructor(private readonly maxBytes: number) {
    this.lru = new ByteLru(maxBytes)
  }

  get size(): number {
    return this.lru.size
  }

  /** Accounted bytes (keys, primary keys and per-entry overhead). */
  get bytes(): number {
    return this.lru.bytes
  }

  /** The remembered primary key (now the most recently used). */
  get(key: string): Buffer | undefined {
    return this.lru.get(key)
  }

  /** A token to hand back to remember() with what a read returned. */
  readStarts(): number {
    return this.generation
  }

  /** Stores a read's result unless a commit overlapped the read. */
  remember(key: string, pk: Buffer, token: number): void {
    if (this.maxBytes === 0 || token !== this.generation || this.commitsInFlight > 0) return
    this.lru.set(key, pk, key.length + pk.length + ENTRY_OVERHEAD)
  }

  /** Before a commit writes these slot keys: forget them. Pair with commitEnds(). */
  commitBegins(keys: readonly Buffer[]): void {
    this.generation++
    this.commitsInFlight++
    // A backfill page writes a thousand slots: name them only when there is something to forget.
    if (this.lru.size > 0) for (const k of keys) this.lru.delete(slotName(k))
  }

  commitEnds(): void {
    this.generation++
    this.commitsInFlight--
  }

  clear(): void {
    this.generation++
    this.lru.clear()
  }
}

/** A slot key as a Map key (latin1: one char per byte, lossless). */
export const slotName = (key: Buffer): string => key.toString('latin1')
