// Owned copies of cached result bytes, carved from slabs that hold nothing else.
//
// Why not Buffer.from (Node's shared 8 KiB pool): the pool is also where every transient small
// Buffer of the process comes from (frame headers, Redis values, ...), so a long-lived 60-byte
// result kept a whole 8 KiB slab alive with it: measured ~700 bytes of unaccounted memory per
// in-process entry. Why not one ArrayBuffer per entry: each one costs the GC a sweep and a free,
// which under churn at 100k entries was several times the GC time of sliced slabs.
// Slabs here hold only cache results, which are replaced at similar rates, so a slab is released
// once the entries carved from it are gone.

/** Slab size; results up to SMALL_MAX bytes are carved from a slab, larger ones get their own. */
const SLAB_BYTES = 16 * 1024
const SMALL_MAX = 2 * 1024

let slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES)
let used = 0

/** A copy of src[start, end) that shares memory only with other cached results. */
export function ownedCopy(src: Buffer, start = 0, end = src.length): Buffer {
  const len = end - start
  if (len > SMALL_MAX) {
    const own = Buffer.allocUnsafeSlow(len)
    src.copy(own, 0, start, end)
    return own
  }
  if (used + len > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
    used = 0
  }
  const out = slab.subarray(used, used + len)
  src.copy(out, 0, start, end)
  // 8-byte alignment, like Node's pool (cheaper copies and typed-array views of the bytes).
  used = (used + len + 7) & ~7
  return out
}
