// One cached reply and how it is stored in Redis. The value starts with a short ASCII header the
// Lua scripts can read without decoding the rest (`v1|gen|freshUntil|...|`), then the result struct
// bytes in the binary protocol (the one canonical protocol entries are stored in; a compact client
// gets them transcoded). Times are Unix milliseconds from the clock of the sidecar that filled it.
import { ownedCopy } from './entry-bytes.js'
import { CacheError, CacheErrorCode } from './errors.js'

export type EntryKind = 'value' | 'negative'

export interface StoredEntry {
  readonly kind: EntryKind
  readonly storedAt: number
  /** Served as fresh until this time. */
  readonly freshUntil: number
  /** After freshUntil and before this, served stale while one background refresh runs (`grace`). */
  readonly graceUntil: number
  /** Before this, served stale when the upstream fails or times out (`keep`); Redis drops it then. */
  readonly keepUntil: number
  /** The reply's result struct, binary protocol, an owned copy (never a view of a socket chunk). */
  readonly result: Buffer
}

const MAGIC = 'v1'
const SEP = 0x7c // '|'
const FIELDS = 7 // magic, gen, freshUntil, storedAt, graceUntil, keepUntil, kind

/** The Redis value: header with the method generation it was filled under, then the result bytes. */
export function encodeEntry(e: StoredEntry, gen: string): Buffer {
  const head = `${MAGIC}|${gen}|${e.freshUntil}|${e.storedAt}|${e.graceUntil}|${e.keepUntil}|${e.kind === 'value' ? 'v' : 'n'}|`
  const out = Buffer.allocUnsafe(head.length + e.result.length)
  out.write(head, 0, 'latin1')
  e.result.copy(out, head.length)
  return out
}

export interface DecodedEntry {
  readonly gen: string
  readonly entry: StoredEntry
}

/** Decodes a value written by encodeEntry; the result is copied out so the reply buffer can go. */
export function decodeEntry(buf: Buffer): DecodedEntry {
  const parts: string[] = []
  let start = 0
  for (let i = 0; i < buf.length && parts.length < FIELDS; i++) {
    if (buf[i] === SEP) {
      parts.push(buf.toString('latin1', start, i))
      start = i + 1
    }
  }
  const [magic, gen, fresh, stored, grace, keep, kind] = parts
  if (magic !== MAGIC || parts.length < FIELDS || gen === undefined || (kind !== 'v' && kind !== 'n')) {
    throw new CacheError(CacheErrorCode.BAD_ENTRY, `not a thriftgate ${MAGIC} cache entry (header "${parts.join('|').slice(0, 60)}")`)
  }
  const nums = [fresh, stored, grace, keep].map(Number)
  if (nums.some((n) => !Number.isFinite(n))) throw new CacheError(CacheErrorCode.BAD_ENTRY, `cache entry header has a bad time: "${parts.join('|')}"`)
  return {
    gen,
    entry: {
      kind: kind === 'v' ? 'value' : 'negative',
      freshUntil: nums[0] as number,
      storedAt: nums[1] as number,
      graceUntil: nums[2] as number,
      keepUntil: nums[3] as number,
      result: ownedCopy(buf, start),
    },
  }
}

/** Freshness of an entry at `now`: what the read path may do with it. */
export type Freshness = 'fresh' | 'grace' | 'keep' | 'dead'

export function freshness(e: StoredEntry, now: number): Freshness {
  if (now < e.freshUntil) return 'fresh'
  if (now < e.graceUntil) return 'grace'
  if (now < e.keepUntil) return 'keep'
  return 'dead'
}
