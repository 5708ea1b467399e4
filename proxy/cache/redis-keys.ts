// Redis key names. Every key of one (method, bucket) carries the same hash tag `{Service.method:b}`,
// so one operation's keys (generation, entry, lease) live in one Redis Cluster slot (Redis Cluster
// spec, "Hash tags"). The bucket (a hash of the entry's identity, modulo `buckets`) spreads one method's
// entries over several slots; a method-wide invalidation bumps one generation per bucket.
import { createHash } from 'node:crypto'

/** Identities up to this many bytes are stored as they are (no hash to compute per lookup). */
const RAW_MAX = 48

/** FNV-1a, 32 bits: a cheap, well-spread bucket choice (not a security boundary). */
function fnv1a(b: Buffer): number {
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193)
  return h >>> 0
}

export interface RedisEntryKeys {
  readonly gen: string
  readonly data: string
  readonly lease: string
}

export class RedisKeyspace {
  readonly prefix: string
  readonly buckets: number

  constructor(prefix: string, buckets: number) {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 256) throw new RangeError(`buckets must be 1..256, got ${buckets}`)
    this.prefix = prefix
    this.buckets = buckets
  }

  tag(methodId: string, bucket: number): string {
    return `${this.prefix}{${methodId}:${bucket}}`
  }

  /**
   * Keys of one entry. `keyBytes` is the entry's full identity (canonical args and vary values).
   * Short identities (most argument lists: getUser(1: i64) is 12 bytes) are used as they are,
   * base64url; longer ones by their SHA-256. The 'r'/'h' marker keeps the two forms apart.
   */
  entry(methodId: string, keyBytes: Buffer): RedisEntryKeys {
    const h = keyBytes.length <= RAW_MAX ? `r${keyBytes.toString('base64url')}` : `h${createHash('sha256').update(keyBytes).digest('base64url')}`
    const tag = this.buckets === 1 ? this.tag(methodId, 0) : this.tag(methodId, fnv1a(keyBytes) % this.buckets)
    return { gen: `${tag}g`, data: `${tag}d:${h}`, lease: `${tag}l:${h}` }
  }

  /** The generation keys of a method, one per bucket. */
  generations(methodId: string): string[] {
    const out: string[] = []
    for (let b = 0; b < this.buckets; b++) out.push(`${this.tag(methodId, b)}g`)
    return out
  }

  get channel(): string {
    return `${this.prefix}invalidate`
  }
}
