// The input side shared by the tree-less re-encoders (canonical-stream.ts, transcode-stream.ts): a
// cursor over one complete struct in either protocol, and the two protocol-dependent lookups both
// make before trusting a container header.
import { BINARY_MIN_SIZE, checkBinaryType } from './binary.js'
import { COMPACT_MIN_SIZE, fromCompactType } from './compact.js'

export interface StreamInput {
  readonly buf: Buffer
  pos: number
  readonly end: number
  readonly maxDepth: number
  /** The input protocol: compact, else binary. */
  readonly compact: boolean
}

/** A container's element type; an empty container may carry type 0 (the compact empty map has none). */
export function elemType(r: StreamInput, code: number, size: number, at: number): number {
  if (code === 0 && size === 0) return 0
  return r.compact ? fromCompactType(code, at, 'element') : checkBinaryType(code, at, 'element')
}

/** The fewest bytes one value of type `t` takes in the input protocol (for size checks before allocating). */
export function minSize(r: StreamInput, t: number): number {
  return (r.compact ? COMPACT_MIN_SIZE[t] : BINARY_MIN_SIZE[t]) as number
}
