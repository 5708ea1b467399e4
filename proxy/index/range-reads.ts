// Range reads over one index's entries (x | entity | index | value | pk), on the raw RocksDB handle:
// an ordered scan between value bounds, and the first N entries in primary-key order (a merge of
// per-value runs). Every iterator read is a round trip through libuv's thread pool, so these read
// in large batches and read as few entries as the answer needs.
import type RocksDB from 'rocksdb-native'
import { KeyReader, decodeKey, encodeKey, prefixEnd, type KeyType } from './key-encoding.js'
import type { IndexEntry, ScanBound } from './store.js'

/** Entries with lo <= value <= hi (each bound optional, inclusive or not), in index order. */
export async function* scanRange(
db: RocksDB,
prefix: Buffer,
type: KeyType,
lo: ScanBound | undefined,
hi: ScanBound | undefined,
opts: { limit?: number; reverse?: boolean },
): AsyncGenerator<IndexEntry> {
  const gte = lo ? (lo.inclusive ? Buffer.concat([prefix, lo.value]) : prefixEnd(Buffer.concat([prefix, lo.value]))!) : prefix
  const lt = hi ? (hi.inclusive ? prefixEnd(Buffer.concat([prefix, hi.value]))! : Buffer.concat([prefix, hi.value])) : prefixEnd(prefix)!
  if (Buffer.compare(gte, lt) >= 0) return
  const it = db.iterator({ gte, lt, reverse: opts.reverse ?? false, limit: opts.limit ?? Infinity }, { values: false, capacity: batchOf(opts.limit) })
  for await (const e of it) {
    const r = new KeyReader(e.key, prefix.length)
    const end = r.skip(type)
    yield { value: e.key.subarray(prefix.length, end), pk: e.key.subarray(end) }
  }
}

/**
 * The first `limit` entries of [lo, hi] (inclusive) in primary-key order, without reading the
 * whole range: one run per distinct value (each already in primary-key order), merged. Reads about
 * `limit` entries plus a small batch per value. Undefined past `maxValues` distinct values.
 */
export async function firstByKey(
  db: RocksDB,
  prefix: Buffer,
  type: KeyType,
  lo: Buffer,
  hi: Buffer,
  limit: number,
  maxValues: number,
  /** Takes the closing of the runs instead of waiting for it (a thread-pool round trip). */
  deferClose?: (closed: Promise<unknown>) => void,
): Promise<IndexEntry[] | undefined> {
  const values = lo.equals(hi) ? [Buffer.concat([prefix, lo])] : (intCandidates(prefix, type, lo, hi, maxValues) ?? (await probeValues(db, prefix, type, lo, hi, maxValues)))
  if (values === undefined) return undefined
  const batch = Math.max(8, Math.min(Math.ceil(limit / Math.max(1, values.length)) + 8, 1024))
  const runs = values.map((vp) => db.iterator({ gte: vp, lt: prefixEnd(vp)!, limit }, { values: false, capacity: batch })[Symbol.asyncIterator]())
  try {
    const heads = await Promise.all(runs.map((r) => r.next()))
    const out: IndexEntry[] = []
    while (out.length < limit) {
      let best = -1
      for (let r = 0; r < heads.length; r++) {
        const h = heads[r]!
        if (h.done === true) continue
        if (best < 0 || Buffer.compare(h.value.key.subarray(values[r]!.length), heads[best]!.value.key.subarray(values[best]!.length)) < 0) best = r
      }
      if (best < 0) break
      const key = heads[best]!.value.key
      out.push({ value: key.subarray(prefix.length, values[best]!.length), pk: key.subarray(values[best]!.length) })
      // Not past the last entry needed: that could cost one more read round trip for nothing.
      if (out.length < limit) heads[best] = await runs[best]!.next()
    }
    return out
  } finally {
    const closed = Promise.all(runs.map((r) => r.return?.()))
    if (deferClose === undefined) await closed
    else deferClose(closed)
  }
}

// Integer ranges this narrow are enumerated rather than probed: a probe is three thread-pool round
// trips one after another, while a run for a value nobody holds costs the same but in parallel.
const MAX_ENUMERATED = 64
const INT_TYPES: ReadonlySet<KeyType> = new Set(['i8', 'i16', 'i32', 'i64'])

/** Value prefixes of every integer in [lo, hi] when there are at most MAX_ENUMERATED (and maxValues). */
function intCandidates(prefix: Buffer, type: KeyType, lo: Buffer, hi: Buffer, maxValues: number): Buffer[] | undefined {
  if (!INT_TYPES.has(type)) return undefined
  const a = BigInt(decodeKey(type, lo) as number | bigint)
  const b = BigInt(decodeKey(type, hi) as number | bigint)
  const n = b - a + 1n
  if (n > BigInt(Math.min(MAX_ENUMERATED, maxValues))) return undefined
  const out: Buffer[] = []
  for (let v = a; v <= b; v++) out.push(Buffer.concat([prefix, encodeKey(type, type === 'i64' ? v : Number(v))]))
  return out
}

/** The distinct values present in [lo, hi] (as value prefixes): probe the first key at or after a bound, then jump past its value. */
async function probeValues(db: RocksDB, prefix: Buffer, type: KeyType, lo: Buffer, hi: Buffer, maxValues: number): Promise<Buffer[] | undefined> {
  const upper = prefixEnd(Buffer.concat([prefix, hi]))!
  const values: Buffer[] = []
  for (let cur: Buffer = Buffer.concat([prefix, lo]); ; ) {
    let first: Buffer | undefined
    for await (const e of db.iterator({ gte: cur, lt: upper, limit: 1 }, { values: false })) first = e.key
    if (first === undefined) return values
    if (values.length >= maxValues) return undefined
    const valuePrefix = first.subarray(0, new KeyReader(first, prefix.length).skip(type))
    values.push(valuePrefix)
    cur = prefixEnd(valuePrefix)!
  }
}

/**
 * Entries fetched per native call of an iterator: each call is a round trip through libuv's thread
 * pool, so long scans read many at once (the binding's default is 8).
 */
export function batchOf(limit: number | undefined): number {
  return Math.max(8, Math.min(limit ?? 1024, 1024))
}
