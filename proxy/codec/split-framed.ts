// Splitting framed and THeader streams: a 4-byte length prefix, then the frame. The length is
// checked before any of the frame is buffered; a frame inside one chunk is yielded as a view; a
// frame spanning chunks is copied once into a fresh buffer of exactly its size.

import { protocolOfPayload } from './detect.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { FRAME_PREFIX_SIZE, checkFrameLength } from './framed.js'
import { checkHeaderFrameLength, parseHeaderFrame } from './theader.js'
import { asCodecError, toMessage } from './to-message.js'
import type { CodecLimits, Dialect, Message, Protocol } from './types.js'
import { skipStruct } from './walker.js'

export class FramedSplitter {
  // a length prefix split across chunks
  private readonly lenBuf = Buffer.alloc(FRAME_PREFIX_SIZE)
  private lenGot = 0
  // the frame being filled: a fresh buffer per frame, never reused once handed out
  private acc: Buffer | undefined
  private accLen = 0
  /** The dialect of the last message. */
  dialect: Dialect | undefined

  constructor(
    private readonly header: boolean,
    /** Framed: the protocol fixed by config; undefined = each payload's first byte tells. */
    private readonly fixedProtocol: Protocol | undefined,
    private readonly limits: CodecLimits,
    private readonly verifyBodies: boolean,
  ) {}

  get bufferedBytes(): number {
    return this.lenGot + (this.acc === undefined ? 0 : this.accLen)
  }

  push(chunk: Buffer, onMessage: (m: Message) => void): void {
    const end = chunk.length
    let pos = 0
    while (pos < end) {
      const acc = this.acc
      if (acc !== undefined) {
        const n = Math.min(acc.length - this.accLen, end - pos)
        chunk.copy(acc, this.accLen, pos, pos + n)
        this.accLen += n
        pos += n
        if (this.accLen < acc.length) return
        this.acc = undefined
        this.accLen = 0
        onMessage(this.message(acc))
        continue
      }
      if (this.lenGot > 0 || end - pos < FRAME_PREFIX_SIZE) {
        while (this.lenGot < FRAME_PREFIX_SIZE && pos < end) this.lenBuf[this.lenGot++] = chunk[pos++]!
        if (this.lenGot < FRAME_PREFIX_SIZE) return
        this.lenGot = 0
        const fresh = Buffer.allocUnsafe(FRAME_PREFIX_SIZE + this.frameLength(this.lenBuf, 0))
        this.lenBuf.copy(fresh, 0)
        if (fresh.length === FRAME_PREFIX_SIZE) {
          onMessage(this.message(fresh)) // an empty frame: rejected there
          continue
        }
        this.acc = fresh
        this.accLen = FRAME_PREFIX_SIZE
        continue
      }
      const total = FRAME_PREFIX_SIZE + this.frameLength(chunk, pos)
      if (end - pos >= total) {
        const raw = chunk.subarray(pos, pos + total)
        pos += total
        onMessage(this.message(raw))
      } else {
        // the one copy of this frame: exactly its size, known from the prefix
        const fresh = Buffer.allocUnsafe(total)
        chunk.copy(fresh, 0, pos, end)
        this.acc = fresh
        this.accLen = end - pos
        return
      }
    }
  }

  /** Validates a frame length from its 4 bytes alone, before any of the frame is buffered. */
  private frameLength(buf: Buffer, at: number): number {
    return this.header
      ? checkHeaderFrameLength(buf.readUInt32BE(at), this.limits.maxMessageSize)
      : checkFrameLength(buf.readInt32BE(at), this.limits.maxMessageSize)
  }

  private message(raw: Buffer): Message {
    let m: Message
    if (this.header) {
      const f = parseHeaderFrame(raw, this.limits.maxMessageSize)
      m = toMessage(raw, f.payload, 'header', f.protocol, f.header)
    } else {
      const payload = raw.subarray(FRAME_PREFIX_SIZE)
      if (payload.length === 0) throw new CodecError(CodecErrorCode.TRUNCATED, 'empty frame')
      m = toMessage(raw, payload, 'framed', this.fixedProtocol ?? protocolOfPayload(payload[0]!), undefined)
    }
    if (this.verifyBodies) this.verifyBody(m)
    this.dialect = m.dialect
    return m
  }

  private verifyBody(m: Message): void {
    let end: number
    try {
      end = skipStruct(m.payload, m.bodyOffset, m.dialect.protocol, this.limits.maxDepth)
    } catch (err) {
      throw asCodecError(err)
    }
    if (end !== m.payload.length) {
      throw new CodecError(
        CodecErrorCode.INVALID_DATA,
        `${m.payload.length - end} bytes after the body of "${m.name}" inside its frame`,
      )
    }
  }
}
