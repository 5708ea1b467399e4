// Finds where an unframed (buffered-transport) message ends. There is no length on the wire
// (thrift TBufferedTransport), so the only way is to walk the envelope and the body struct.
// The walk is resumable: fed chunk after chunk, it keeps an explicit stack instead of
// recursion, consumes a multi-byte unit (an i32, a varint) byte by byte only when the unit
// straddles a chunk end, and counts down the bytes of a string it still has to skip. Total
// work is linear in the bytes fed, whatever the chunking.
//
// Field ids are skipped, not decoded: finding the end of a struct needs only types and sizes
// (compact's per-struct "last field id" matters for decoding ids, not for skipping).

import { CodecError, CodecErrorCode } from './errors.js'
import type { Protocol } from './types.js'

// phases: what the scanner reads next
const P_ENV = 0 // start of the envelope
const P_SKIP = 1 // `skip` bytes to pass over, then `after`
const P_NEXT = 2 // look at the innermost open struct/container
const P_FIELD = 3 // a field header (type byte)
const P_READ_I32 = 4 // a big-endian i32 into `val`, then `after`
const P_READ_VARINT = 5 // an unsigned varint32 into `val`, then `after`
const P_SKIP_VARINT = 6 // a varint of up to 10 bytes whose value we do not need, then `after`
const P_BODY = 7 // envelope done: open the body struct
const P_DONE = 8
// phases that consume `val`
const P_B_ENV_FIRST = 10
const P_B_ENV_NAMELEN = 11
const P_B_STRLEN = 12
const P_B_LIST_TYPE = 13
const P_B_LIST_SIZE = 14
const P_B_MAP_TYPES = 15
const P_B_MAP_SIZE = 16
const P_C_ENV_TYPE = 20
const P_C_ENV_NAMELEN = 21
const P_C_STRLEN = 22
const P_C_LIST_HDR = 23
const P_C_LIST_SIZE = 24
const P_C_MAP_SIZE = 25
const P_C_MAP_TYPES = 26
const P_FIELD_VALUE = 27
const P_C_ENV_NAMELEN_VAL = 28

// container kinds on the stack
const K_STRUCT = 0
const K_LIST = 1
const K_MAP = 2

const COMPACT_PROTOCOL_ID = 0x82

export class UnframedScanner {
  readonly protocol: Protocol
  private readonly compact: boolean
  private readonly maxDepth: number
  private readonly maxMessageSize: number

  private phase = P_ENV
  private after = P_NEXT
  private skip = 0
  private val = 0
  private got = 0 // bytes of the current multi-byte unit read so far
  private shift = 0 // varint bit position
  private pendingType = 0
  private mapKeyType = 0
  private pendingSize = 0
  private consumed = 0

  // the stack, as parallel arrays: kind, elements still to skip, element (or key/value) types
  private depth = 0
  private readonly kinds: number[] = []
  private readonly remaining: number[] = []
  private readonly type1: number[] = []
  private readonly type2: number[] = []

  constructor(protocol: Protocol, limits: { maxDepth: number; maxMessageSize: number }) {
    this.protocol = protocol
    this.compact = protocol === 'compact'
    this.maxDepth = limits.maxDepth
    this.maxMessageSize = limits.maxMessageSize
  }

  /** Bytes of the current message scanned so far. */
  get scanned(): number {
    return this.consumed
  }

  /** True once a whole message has been scanned (call reset() before the next one). */
  get done(): boolean {
    return this.phase === P_DONE
  }

  /** Starts a new message. */
  reset(): void {
    this.phase = P_ENV
    this.skip = 0
    this.got = 0
    this.shift = 0
    this.depth = 0
    this.consumed = 0
  }

  /**
   * Scans `buf[start, end)` as the continuation of the current message. Returns the offset
   * just past the message's last byte if it ends inside this range, or -1 if every byte was
   * consumed and the message goes on. Throws CodecError on bytes that cannot be Thrift.
   */
  feed(buf: Buffer, start: number, end: number): number {
    let pos = start
    const base = this.consumed - start
    for (;;) {
      switch (this.phase) {
        case P_SKIP: {
          const n = Math.min(this.skip, end - pos)
          pos += n
          this.skip -= n
          if (this.skip > 0) return this.suspend(base, pos)
          this.phase = this.after
          break
        }
        case P_NEXT: {
          const top = this.depth - 1
          if (top < 0) {
            this.phase = P_DONE
            this.consumed = base + pos
            this.checkSize()
            return pos
          }
          const kind = this.kinds[top]!
          if (kind === K_STRUCT) {
            this.phase = P_FIELD
            break
          }
          const rem = this.remaining[top]!
          if (rem === 0) {
            this.depth = top
            break
          }
          this.remaining[top] = rem - 1
          // a map holds 2*size elements, key first: an even count left means a key is next
          const t = kind === K_LIST || (rem & 1) === 0 ? this.type1[top]! : this.type2[top]!
          this.beginElement(t, base + pos)
          break
        }
        case P_FIELD: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          if (b === 0) {
            this.depth--
            this.phase = P_NEXT
          } else if (!this.compact) {
            this.pendingType = b
            this.setSkip(2, P_FIELD_VALUE, base + pos) // i16 field id, then the value
          } else {
            this.pendingType = b & 0x0f
            if (b >> 4 === 0) {
              // long form: the field id follows as a zigzag varint
              this.after = P_FIELD_VALUE
              this.got = 0
              this.phase = P_SKIP_VARINT
            } else {
              this.beginFieldValue(this.pendingType, base + pos)
            }
          }
          break
        }
        case P_FIELD_VALUE:
          this.beginFieldValue(this.pendingType, base + pos)
          break
        case P_READ_I32: {
          if (this.got === 0 && end - pos >= 4) {
            this.val = buf.readInt32BE(pos)
            pos += 4
          } else {
            while (this.got < 4 && pos < end) {
              this.val = (this.val << 8) | buf[pos++]!
              this.got++
            }
            if (this.got < 4) return this.suspend(base, pos)
            this.got = 0
          }
          this.phase = this.after
          break
        }
        case P_READ_VARINT: {
          let done = false
          while (pos < end) {
            const b = buf[pos++]!
            this.val += (b & 0x7f) * 2 ** this.shift
            this.shift += 7
            if (b < 0x80) {
              done = true
              break
            }
            if (this.shift >= 35) throw bad(CodecErrorCode.INVALID_DATA, 'varint32 longer than 5 bytes')
          }
          if (!done) return this.suspend(base, pos)
          this.phase = this.after
          break
        }
        case P_SKIP_VARINT: {
          let done = false
          while (pos < end) {
            const b = buf[pos++]!
            if (b < 0x80) {
              done = true
              break
            }
            if (++this.got >= 10) throw bad(CodecErrorCode.INVALID_DATA, 'varint longer than 10 bytes')
          }
          if (!done) return this.suspend(base, pos)
          this.got = 0
          this.phase = this.after
          break
        }
        case P_ENV: {
          if (this.compact) {
            if (pos >= end) return this.suspend(base, pos)
            const b = buf[pos++]!
            if (b !== COMPACT_PROTOCOL_ID) {
              throw bad(CodecErrorCode.BAD_VERSION, `compact message starts with 0x${hex(b)}, expected 0x82`)
            }
            this.phase = P_C_ENV_TYPE
          } else {
            this.readI32(P_B_ENV_FIRST)
          }
          break
        }
        case P_B_ENV_FIRST: {
          const v = this.val
          if (v < 0) {
            // strict: version 1 in the top 16 bits, message type in the low byte
            if ((v & 0xffff0000) !== (0x80010000 | 0)) {
              throw bad(CodecErrorCode.BAD_VERSION, `bad binary protocol version 0x${hex(v >>> 0)}`)
            }
            this.readI32(P_B_ENV_NAMELEN)
          } else {
            // non-strict: i32 nameLen, name, i8 type, i32 seqid
            this.setSkip(v + 5, P_BODY, base + pos)
          }
          break
        }
        case P_B_ENV_NAMELEN:
          this.setSkip(length(this.val) + 4, P_BODY, base + pos)
          break
        case P_C_ENV_TYPE: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          if ((b & 0x1f) !== 1) throw bad(CodecErrorCode.BAD_VERSION, `bad compact protocol version ${b & 0x1f}`)
          // seqid (a plain varint), then the name length
          this.after = P_C_ENV_NAMELEN
          this.got = 0
          this.phase = P_SKIP_VARINT
          break
        }
        case P_C_ENV_NAMELEN:
          this.readVarint(P_C_ENV_NAMELEN_VAL)
          break
        case P_C_ENV_NAMELEN_VAL:
          this.setSkip(length(this.val), P_BODY, base + pos)
          break
        case P_BODY:
          this.push(K_STRUCT, 0, 0, 0)
          this.phase = P_NEXT
          break
        case P_B_STRLEN:
          this.setSkip(length(this.val), P_NEXT, base + pos)
          break
        case P_C_STRLEN:
          this.setSkip(length(this.val), P_NEXT, base + pos)
          break
        case P_B_LIST_TYPE: {
          if (pos >= end) return this.suspend(base, pos)
          this.pendingType = buf[pos++]!
          this.readI32(P_B_LIST_SIZE)
          break
        }
        case P_B_LIST_SIZE:
          this.pushContainer(K_LIST, this.size(this.val, base + pos, 1), this.pendingType, 0)
          break
        case P_B_MAP_TYPES: {
          if (this.got === 0) {
            if (pos >= end) return this.suspend(base, pos)
            this.mapKeyType = buf[pos++]!
            this.got = 1
          }
          if (pos >= end) return this.suspend(base, pos)
          this.pendingType = buf[pos++]!
          this.got = 0
          this.readI32(P_B_MAP_SIZE)
          break
        }
        case P_B_MAP_SIZE:
          this.pushContainer(K_MAP, this.size(this.val, base + pos, 2), this.mapKeyType, this.pendingType)
          break
        case P_C_LIST_HDR: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          this.pendingType = b & 0x0f
          if (b >> 4 === 15) this.readVarint(P_C_LIST_SIZE)
          else this.pushContainer(K_LIST, b >> 4, this.pendingType, 0)
          break
        }
        case P_C_LIST_SIZE:
          this.pushContainer(K_LIST, this.size(this.val, base + pos, 1), this.pendingType, 0)
          break
        case P_C_MAP_SIZE:
          if (this.val === 0) {
            this.phase = P_NEXT // an empty map is the single byte 00, no type byte
          } else {
            this.pendingSize = this.size(this.val, base + pos, 2)
            this.phase = P_C_MAP_TYPES
          }
          break
        case P_C_MAP_TYPES: {
          if (pos >= end) return this.suspend(base, pos)
          const b = buf[pos++]!
          this.pushContainer(K_MAP, this.pendingSize, b >> 4, b & 0x0f)
          break
        }
        case P_DONE:
          return pos
        default:
          throw new Error(`unframed scanner: impossible phase ${this.phase}`)
      }
    }
  }

  private suspend(base: number, pos: number): number {
    this.consumed = base + pos
    this.checkSize()
    return -1
  }

  /** Units no length announces (field headers, varints, STOPs) count toward the limit too. */
  private checkSize(): void {
    if (this.consumed > this.maxMessageSize) {
      throw new CodecError(
        CodecErrorCode.FRAME_TOO_LARGE,
        `unframed message of more than ${this.maxMessageSize} bytes (the maximum message size)`,
      )
    }
  }

  private readI32(after: number): void {
    this.after = after
    this.got = 0
    this.val = 0
    this.phase = P_READ_I32
  }

  private readVarint(after: number): void {
    this.after = after
    this.val = 0
    this.shift = 0
    this.phase = P_READ_VARINT
  }

  /** Skips n bytes; a length that would take the message past the limit fails now, unbuffered. */
  private setSkip(n: number, after: number, consumed: number): void {
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
  private size(n: number, consumed: number, minBytes: number): number {
    if (n < 0 || n > 0x7fffffff) throw bad(CodecErrorCode.NEGATIVE_SIZE, `negative size ${n | 0}`)
    if (n * minBytes > this.maxMessageSize - consumed) {
      throw bad(CodecErrorCode.SIZE_LIMIT, `size ${n} cannot fit in the maximum message size ${this.maxMessageSize}`)
    }
    return n
  }

  private push(kind: number, remaining: number, t1: number, t2: number): void {
    const d = this.depth
    if (d >= this.maxDepth) throw bad(CodecErrorCode.DEPTH_LIMIT, `nesting deeper than ${this.maxDepth}`)
    this.kinds[d] = kind
    this.remaining[d] = remaining
    this.type1[d] = t1
    this.type2[d] = t2
    this.depth = d + 1
  }

  private pushContainer(kind: number, size: number, t1: number, t2: number): void {
    this.phase = P_NEXT
    if (size === 0) return // element types of an empty container are never used; readers ignore them
    checkElementType(this.compact, t1)
    if (kind === K_MAP) checkElementType(this.compact, t2)
    this.push(kind, kind === K_MAP ? size * 2 : size, t1, t2)
  }

  /** A value inside a list/set/map (compact: a bool takes one byte there). */
  private beginElement(t: number, consumed: number): void {
    if (this.compact) {
      if (t === 1 || t === 2) this.setSkip(1, P_NEXT, consumed)
      else this.beginCompact(t, consumed)
    } else {
      this.beginBinary(t, consumed)
    }
  }

  /** The value of a field (compact: a bool field has its value in the type nibble). */
  private beginFieldValue(t: number, consumed: number): void {
    if (this.compact) {
      if (t === 1 || t === 2) this.phase = P_NEXT
      else this.beginCompact(t, consumed)
    } else {
      this.beginBinary(t, consumed)
    }
  }

  private beginBinary(t: number, consumed: number): void {
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

  private beginCompact(t: number, consumed: number): void {
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
function length(n: number): number {
  if (n < 0 || n > 0x7fffffff) throw bad(CodecErrorCode.NEGATIVE_SIZE, `negative length ${n | 0}`)
  return n
}

function checkElementType(compact: boolean, t: number): void {
  const ok = compact ? t >= 1 && t <= 13 : t === 2 || t === 3 || t === 4 || t === 6 || (t >= 8 && t <= 16 && t !== 9)
  if (!ok) throw bad(CodecErrorCode.BAD_TYPE, `${compact ? 'compact' : 'binary'} element type ${t} is not a Thrift type`)
}

function bad(code: CodecErrorCode, message: string): CodecError {
  return new CodecError(code, `unframed message: ${message}`)
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0')
}
