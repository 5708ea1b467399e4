// Message names, decoded once. A connection sends the same few method names over and over, and
// decoding UTF-8 is a call into C++ plus a new string per message; comparing a short name's bytes
// with a cached copy in JS is several times cheaper. The cache is small and fixed (direct-mapped,
// bounded bytes), so a workload with many names only costs a miss; the result is always exactly
// what `buf.toString('utf8', start, end)` returns, since the same bytes decode to the same text.

/** Names longer than this are decoded every time (rare; they would crowd the cache). */
const MAX_CACHED = 64
const SLOTS = 128 // a power of two

const bytes = new Uint8Array(SLOTS * MAX_CACHED)
const lengths = new Int32Array(SLOTS).fill(-1)
const names: string[] = new Array<string>(SLOTS).fill('')

/** A multiplexed name split at its first ':' (what splitName returns for CALL/ONEWAY). */
export interface NameParts {
  readonly service: string | undefined
  readonly method: string
}
const parts: (NameParts | undefined)[] = new Array<NameParts | undefined>(SLOTS).fill(undefined)
/** The slot of the name decodeName returned last, or -1. */
let lastSlot = -1

function slotOf(buf: Uint8Array, start: number, len: number): number {
  // length plus a few bytes, spread out: multiplexed names share their "Service:" prefix
  const h = len * 31 + (buf[start + len - 1] as number) * 7 + (buf[start + (len >> 1)] as number) * 3 + (buf[start + (len >> 2)] as number)
  return h & (SLOTS - 1)
}

/** `buf.toString('utf8', start, end)`, from the cache when these bytes were seen before. */
export function decodeName(buf: Buffer, start: number, end: number): string {
  const len = end - start
  if (len <= 0 || len > MAX_CACHED) {
    lastSlot = -1
    return len === 0 ? '' : buf.toString('utf8', start, end)
  }
  const slot = slotOf(buf, start, len)
  lastSlot = slot
  const base = slot * MAX_CACHED
  if (lengths[slot] === len) {
    let i = 0
    while (i < len && bytes[base + i] === buf[start + i]) i++
    if (i === len) return names[slot] as string
  }
  const name = buf.toString('utf8', start, end)
  for (let i = 0; i < len; i++) bytes[base + i] = buf[start + i] as number
  lengths[slot] = len
  names[slot] = name
  parts[slot] = undefined
  return name
}

/**
 * A name split at its first ':', kept beside the name in the cache when it is the name decodeName
 * returned last (the common case: asked right after decoding); otherwise split afresh.
 */
export function nameParts(name: string): NameParts {
  const slot = lastSlot
  if (slot < 0 || names[slot] !== name) return split(name)
  let p = parts[slot]
  if (p === undefined) parts[slot] = p = split(name)
  return p
}

function split(name: string): NameParts {
  const i = name.indexOf(':')
  return i >= 0 ? { service: name.slice(0, i), method: name.slice(i + 1) } : { service: undefined, method: name }
}
