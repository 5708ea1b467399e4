// The state of the resumable unframed scanner (unframed-scanner.ts) and the steps that set it up:
// the phase constants, the explicit stack of open structs and containers, and what each Thrift
// type asks the scanner to read next (skip n bytes, read an i32 or a varint, open a container),
// with the limits checked as each length or size is learnt. The byte loop that runs the phases
// is in unframed-scanner.ts.

import { CodecError, CodecErrorCode } from './errors.js'
import type { Protocol } from './types.js'

// phases: what the scanner reads next
export const P_ENV = 0 // start of the envelope
export const P_SKIP = 1 // `skip` bytes to pass over, then `after`
export const P_NEXT = 2 // look at the innermost open struct/container
export const P_FIELD = 3 // a field header (type byte)
export const P_READ_I32 = 4 // a big-endian i32 into `val`, then `after`
export const P_READ_VARINT = 5 // an unsigned varint32 into `val`, then `after`
export const P_SKIP_VARINT = 6 // a varint of up to 10 bytes whose value we do not need, then `after`
export const P_BODY = 7 // envelope done: open the body struct
export const P_DONE = 8
// phases that consume `val`
export const P_B_ENV_FIRST = 10
export const P_B_ENV_NAMELEN = 11
export const P_B_STRLEN = 12
export const P_B_LIST_TYPE = 13
export const P_B_LIST_SIZE = 14
export const P_B_MAP_TYPES = 15
export const P_B_MAP_SIZE = 16
export const P_C_ENV_TYPE = 20
export const P_C_ENV_NAMELEN = 21
export const P_C_STRLEN = 22
export const P_C_LIST_HDR = 23
export const P_C_LIST_SIZE = 24
export const P_C_MAP_SIZE = 25
export const P_C_MAP_TYPES = 26
export const P_FIELD_VALUE = 27
export const P_C_ENV_NAMELEN_VAL = 28

// container kinds on the stack
export const K_STRUCT = 0
export const K_LIST = 1
export const K_MAP = 2

export const COMPACT_PROTOCOL_ID = 0x82

export class ScanState {
  readonly protocol: Protocol
  protected readonly compact: boolean
  protected readonly maxDepth: number
  protected readonly maxMessageSize: number

  protected phase = P_ENV
  protected after = P_NEXT
  protected skip = 0
  protected val = 0
  protected got = 0 // bytes of the current multi-byte unit read so far
  protected shift = 0 // varint bit position
  protected pendingType = 0
  protected mapKeyType = 0
  protected pendingSize = 0
  protected consumed = 0

  // the stack, as parallel arrays: kind, elements still to skip, element (or key/value) types
  protected depth = 0
  protected readonly kinds: number[] = []
  protected readonly remaining: number[] = []
  protected readonly type1: number[] = []
  protected readonly type2: number[] = []

  constructor(protocol: Protocol, limits: { maxDepth: number; maxMessageSize: number }) {
    this.protocol = protocol
    this.compact = protocol === 'compact'
    this.maxDepth = limits.maxDepth
    this.maxMessageSize = limits.maxMessageSize
  }

  protected suspend(base: number, pos: number): number {
    this.consumed = base + pos
    this.checkSize()
    return -1
  }

  /** Units no length announces (field headers, varints, STOPs) count toward the limit too. */
  protected checkSize(): void {
    if (this.consumed > this.maxMessageSize) {
      throw new CodecError(
        CodecErrorCode.FRAME_TOO_LARGE,
        `unframed message of more than ${this.maxMessageSize} bytes (the maximum message size)`,
      )
    }
  }

  protected readI32(after: number): void {
    this.after = after
    this.got = 0
    this.val = 0
    this.phase = P_READ_I32
  }

  protected readVarint(after: number): void {
    this.after = after
    this.val = 0
    this.shift = 0
    this.phase = P_READ_VARINT
  }

  /** Skips n bytes; a length that would take the message past the limit fails now, unbuffered. */
  protected setSkip(n: number, after: number, consumed: number): void {
    if (consumed + n > this.maxMessageSize) {
      throw new CodecError(
        CodecErrorCode.FRAME_TOO_LARGE,
        `unframed message would exceed the maximum message size ${this.maxMessageSize}`,
      )
    }
    this.skip = n
    this.after = after
    this.phase = P_SKIP
  }

  /** Validates a length/size: not negative, and every element (>= minBytes each) fits the limit. */
  protected size(n: number, consumed: number, minBytes: number): number {
    if (n < 0 || n > 0x7fffffff) throw bad(CodecErrorCode.NEGATIVE_SIZE, `negative size ${n | 0}`)
    if (n * minBytes > this.maxMessageSize - consumed) {
      throw bad(CodecErrorCode.SIZE_LIMIT, `size ${n} cannot fit in the maximum message size ${this.maxMessageSize}`)
    }
    return n
  }

  protected push(kind: number, remaining: number, t1: number, t2: number): void {
    const d = this.depth
    if (d >= this.maxDepth) throw bad(CodecErrorCode.DEPTH_LIMIT, `nesting deeper than ${this.maxDepth}`)
    this.kinds[d] = kind
    this.remaining[d] = remaining
    this.type1[d] = t1
    this.type2[d] = t2
    this.depth = d + 1
  }

  protected pushContainer(kind: number, size: number, t1: number, t2: number): void {
    this.phase = P_NEXT
    if (size === 0) return // element types of an empty container are never used; readers ignore them
    checkElementType(this.compact, t1)
    if (kind === K_MAP) checkElementType(this.compact, t2)
    this.push(kind, kind === K_MAP ? size * 2 : size, t1, t2)
  }

  /** A value inside a list/set/map (compact: a bool takes one byte there). */
  protected beginElement(t: number, consumed: number): void {
    if (this.compact) {
      if (t === 1 || t === 2) this.setSkip(1, P_NEXT, consumed)
      else this.beginCompact(t, consumed)
    } else {
      this.beginBinary(t, consumed)
    }
  }

  /** The value of a field (compact: a bool field has its value in the type nibble). */
  protected beginFieldValue(t: number, consumed: number): void {
    if (this.compact) {
      if (t === 1 || t === 2) this.phase = P_NEXT
      else this.beginCompact(t, consumed)
    } else {
      this.beginBinary(t, consumed)
    }
  }

  protected beginBinary(t: number, consumed: number): void {
    switch (t) {
      case 2: // BOOL
      case 3: // I8
        return this.setSkip(1, P_NEXT, consumed)
      case 6: // I16
        return this.setSkip(2, P_NEXT, consumed)
      case 8: // I32
        return this.setSkip(4, P_NEXT, consumed)
      case 4: // DOUBLE
      case 10: // I64
        return this.setSkip(8, P_NEXT, consumed)
      case 16: // UUID
        return this.setSkip(16, P_NEXT, consumed)
      case 11: // STRING/BINARY: i32 length
        return this.readI32(P_B_STRLEN)
      case 12:
        this.push(K_STRUCT, 0, 0, 0)
        this.phase = P_NEXT
        return
      case 13: // MAP: i8 key type, i8 value type, i32 size
        this.got = 0
        this.phase = P_B_MAP_TYPES
        return
      case 14: // SET
      case 15: // LIST: i8 element type, i32 size
        this.phase = P_B_LIST_TYPE
        return
      default:
        throw bad(CodecErrorCode.BAD_TYPE, `binary type code ${t} is not a Thrift type`)
    }
  }

  protected beginCompact(t: number, consumed: number): void {
    switch (t) {
      case 3: // I8
        return this.setSkip(1, P_NEXT, consumed)
      case 4: // I16, I32, I64: zigzag varints
      case 5:
      case 6:
        this.after = P_NEXT
        this.got = 0
        this.phase = P_SKIP_VARINT
        return
      case 7: // DOUBLE, little-endian 8 bytes
        return this.setSkip(8, P_NEXT, consumed)
      case 13: // UUID
        return this.setSkip(16, P_NEXT, consumed)
      case 8: // BINARY: varint length
        return this.readVarint(P_C_STRLEN)
      case 9: // LIST
      case 10: // SET
        this.phase = P_C_LIST_HDR
        return
      case 11: // MAP: varint size, then (if not empty) key/value type byte
        return this.readVarint(P_C_MAP_SIZE)
      case 12:
        this.push(K_STRUCT, 0, 0, 0)
        this.phase = P_NEXT
        return
      default:
        throw bad(CodecErrorCode.BAD_TYPE, `compact type code ${t} is not a Thrift type`)
    }
  }
}

/** A string/binary or name length: not negative (the limit is checked as it is skipped). */
export function length(n: number): number {
  if (n < 0 || n > 0x7fffffff) throw bad(CodecErrorCode.NEGATIVE_SIZE, `negative length ${n | 0}`)
  return n
}

function checkElementType(compact: boolean, t: number): void {
  const ok = compact ? t >= 1 && t <= 13 : t === 2 || t === 3 || t === 4 || t === 6 || (t >= 8 && t <= 16 && t !== 9)
  if (!ok) throw bad(CodecErrorCode.BAD_TYPE, `${compact ? 'compact' : 'binary'} element type ${t} is not a Thrift type`)
}

export function bad(code: CodecErrorCode, message: string): CodecError {
  return new CodecError(code, `unframed message: ${message}`)
}

export function hex(n: number): string {
  return n.toString(16).padStart(2, '0')
}
