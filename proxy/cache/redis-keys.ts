// Redis key names. Every key of one (method, bucket) carries the same hash tag `{Service.method:b}`,
// so one operation's keys (generation, entry, lease) live in one Redis Cluster slot (Redis Cluster
// spec, "Hash tags"). The bucket (a byte of the entry's hash, modulo `buckets`) spreads one method's
// entries over several slots; a method-wide invalidation bumps one generation per bucket.
import { createHash } from 'node:crypto'

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

  /** Keys of one entry. `keyBytes` is the entry's full identity (canonical args and vary values). */
  entry(methodId: string, keyBytes: Buffer | string): RedisEntryKeys {
    const digest = createHash('sha256').update(keyBytes).digest()
    const tag = this.tag(methodId, (digest[0] as number) % this.buckets)
    const h = digest.toString('base64url')
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
