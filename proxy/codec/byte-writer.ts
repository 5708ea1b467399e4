// A growable output buffer for the protocol writers (value-codec, canonical, envelope). One
// allocation per doubling, one exact-size result; the writers never concat small pieces.

const INITIAL_CAPACITY = 256

export class ByteWriter {
  private buf: Buffer
  private pos = 0

  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(Math.max(16, capacity))
  }

  get length(): number {
    return this.pos
  }

  private ensure(n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < need) cap *= 2
    const next = Buffer.allocUnsafe(cap)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.pos++] = v & 0xff
  }

  i16be(v: number): void {
    this.ensure(2)
    this.buf.writeInt16BE((v << 16) >> 16, this.pos)
    this.pos += 2
  }

  i32be(v: number): void {
    this.ensure(4)
    this.buf.writeInt32BE(v | 0, this.pos)
    this.pos += 4
  }

  i64be(v: bigint): void {
    this.ensure(8)
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos)
    this.pos += 8
  }

  /** 64 raw bits, big-endian (binary protocol double). */
  u64be(bits: bigint): void {
    this.ensure(8)
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, bits), this.pos)
    this.pos += 8
  }

  /** 64 raw bits, little-endian (compact protocol double: "an early implementation bug"). */
  u64le(bits: bigint): void {
    this.ensure(8)
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, bits), this.pos)
    this.pos += 8
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** Writes `s` as UTF-8 with no length prefix; returns the byte length written. */
  utf8(s: string): number {
    const max = Buffer.byteLength(s, 'utf8')
    this.ensure(max)
    const n = this.buf.write(s, this.pos, 'utf8')
    this.pos += n
    return n
  }

  /** Unsigned LEB128 of the low 32 bits (compact: sizes, lengths, seqid, zigzag i16/i32). */
  varint32(v: number): void {
    this.ensure(5)
    let n = v >>> 0
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.buf[this.pos++] = n
  }

  /** Unsigned LEB128 of the low 64 bits (compact: zigzag i64). */
  varint64(v: bigint): void {
    this.ensure(10)
    let n = BigInt.asUintN(64, v)
    // Once the rest fits in 32 bits, finish with number arithmetic (cheaper than bigint steps).
    while (n >= 0x80n) {
      if (n < 0x1_0000_0000n) {
        this.varint32(Number(n))
        return
      }
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80
      n >>= 7n
    }
    this.buf[this.pos++] = Number(n)
  }

  /**
   * Zigzag varint of the i64 whose big-endian bytes are at src[at..at+8), with 32-bit number
   * arithmetic only (no bigint on the binary -> compact transcoding path).
   */
  zigzagVarint64From(src: Buffer, at: number): void {
    const hi = src.readInt32BE(at)
    const lo = src.readUInt32BE(at + 4)
    const sign = hi >> 31
    let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0
    let zlo = ((lo << 1) ^ sign) >>> 0
    this.ensure(10)
    while (zhi !== 0 || zlo >= 0x80) {
      this.buf[this.pos++] = (zlo & 0x7f) | 0x80
      zlo = ((zlo >>> 7) | ((zhi & 0x7f) << 25)) >>> 0
      zhi >>>= 7
    }
    this.buf[this.pos++] = zlo
  }

  /** src[at..at+n) in reverse order (double: compact little-endian <-> binary big-endian). */
  reversed(src: Buffer, at: number, n: number): void {
    this.ensure(n)
    for (let i = n - 1; i >= 0; i--) this.buf[this.pos++] = src[at + i] as number
  }

  /** A copy of bytes already written (for reordering a region). */
  copyOut(start: number, end: number): Buffer {
    return Buffer.from(this.buf.subarray(start, end))
  }

  /** Forgets everything written from `length` on. */
  truncate(length: number): void {
    if (length < this.pos) this.pos = length
  }

  /** Overwrites an i32 written earlier (a count known only after its elements). */
  patchI32(at: number, v: number): void {
    this.buf.writeInt32BE(v | 0, at)
  }

  /** The bytes written so far. A fresh exact-size buffer unless most of the capacity is in use. */
  finish(): Buffer {
    if (this.pos * 2 >= this.buf.length) return this.buf.subarray(0, this.pos)
    return Buffer.from(this.buf.subarray(0, this.pos))
  }
}
