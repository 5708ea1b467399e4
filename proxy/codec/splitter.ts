// MessageSplitter: arbitrary TCP chunks in, complete Thrift messages out.
//
// Zero copy when a message sits inside one chunk (the Message holds views onto the chunk). A
// message that spans chunks is copied once into a fresh accumulator: framed/THeader know the
// exact size from the length prefix (split-framed.ts); unframed grows geometrically while the
// resumable scanner walks the bytes (split-unframed.ts). An accumulator is never reused once
// handed out, so views stay valid. Work is linear in the bytes received: nothing is re-parsed
// from the start of a message per chunk. This file holds the bytes until the dialect is known
// (detect.ts), then hands every chunk to the splitter for that transport.

import { detectDialect, protocolOfPayload } from './detect.js'
import { CodecError, CodecErrorCode } from './errors.js'
import { FRAME_PREFIX_SIZE } from './framed.js'
import { FramedSplitter } from './split-framed.js'
import { UnframedSplitter } from './split-unframed.js'
import { dialectOf } from './to-message.js'
import { DEFAULT_LIMITS } from './types.js'
import type { CodecLimits, Dialect, Message, Protocol, Transport } from './types.js'

export interface SplitterOptions {
  /** Fixed by config, or 'auto' (default) to detect from the first bytes. */
  readonly transport?: Transport | 'auto'
  /** Fixed by config, or 'auto' (default). THeader always takes the protocol from its header. */
  readonly protocol?: Protocol | 'auto'
  readonly limits?: Partial<CodecLimits>
  /**
   * Framed/THeader: also walk each body and require it to end exactly at the frame end (and
   * within maxDepth). Off by default: forwarding needs only the envelope; unframed bodies are
   * always walked, since that is how their end is found.
   */
  readonly verifyBodies?: boolean
}

export class MessageSplitter {
  private readonly limits: CodecLimits
  private transport: Transport | undefined
  private readonly fixedProtocol: Protocol | undefined
  private streamProtocol: Protocol | undefined
  private detected: Dialect | undefined
  private failure: unknown

  // bytes held before the dialect is known
  private detectBuf: Buffer | undefined
  private detectLen = 0

  private inner: FramedSplitter | UnframedSplitter | undefined
  private readonly verifyBodies: boolean

  constructor(opts: SplitterOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits }
    this.transport = opts.transport === 'auto' ? undefined : opts.transport
    this.fixedProtocol = opts.protocol === 'auto' ? undefined : opts.protocol
    this.verifyBodies = opts.verifyBodies === true
  }

  /** The dialect of the last message (or of the first bytes, once detected). */
  get dialect(): Dialect | undefined {
    return this.inner?.dialect ?? this.detected
  }

  /** Bytes held for an incomplete message (never more than the max message size + 4). */
  get bufferedBytes(): number {
    return this.detectLen + (this.inner?.bufferedBytes ?? 0)
  }

  /**
   * Feeds one chunk; calls `onMessage` for every message it completes, in order. Throws
   * CodecError on bad input; after that the stream is unusable and every push throws again.
   */
  push(chunk: Buffer, onMessage: (m: Message) => void): void {
    if (this.failure !== undefined) throw this.failure
    try {
      let inner = this.inner
      if (inner === undefined) {
        const data = this.detect(chunk)
        if (data === undefined) return
        chunk = data
        inner = this.inner = this.splitterFor(this.transport!)
      }
      inner.push(chunk, onMessage)
    } catch (err) {
      // the rest of the chunk is lost whatever failed (bad bytes, or a throwing callback)
      this.failure = err
      throw err
    }
  }

  private splitterFor(transport: Transport): FramedSplitter | UnframedSplitter {
    if (transport === 'unframed') return new UnframedSplitter(this.streamProtocol!, this.limits)
    return new FramedSplitter(transport === 'header', this.fixedProtocol, this.limits, this.verifyBodies)
  }

  /** Holds bytes until the dialect is known; then returns every byte held, to be split. */
  private detect(chunk: Buffer): Buffer | undefined {
    if (this.transport !== undefined && this.transport !== 'unframed') return chunk
    let data = chunk
    if (this.detectBuf !== undefined) {
      const need = this.detectLen + chunk.length
      if (need > this.detectBuf.length) {
        const grown = Buffer.allocUnsafe(Math.max(need, this.detectBuf.length * 2))
        this.detectBuf.copy(grown, 0, 0, this.detectLen)
        this.detectBuf = grown
      }
      chunk.copy(this.detectBuf, this.detectLen)
      this.detectLen = need
      data = this.detectBuf.subarray(0, need)
    }
    if (data.length === 0) return undefined
    if (this.transport === undefined) {
      const d = detectDialect(data, 0, data.length, this.limits.maxMessageSize)
      if (d === undefined) return this.hold(data, chunk)
      this.transport = d.transport
      if (d.transport === 'unframed') this.streamProtocol = this.fixedProtocol ?? d.protocol
      this.detected = dialectOf(d.transport, this.fixedProtocol ?? d.protocol, d.strict)
    } else {
      // unframed fixed by config, protocol auto: the first byte tells (compact's id, else binary)
      this.streamProtocol = this.fixedProtocol ?? protocolOfPayload(data[0]!)
    }
    this.detectBuf = undefined
    this.detectLen = 0
    return data
  }

  private hold(data: Buffer, chunk: Buffer): undefined {
    if (this.detectBuf === undefined) {
      // the chunk belongs to the caller: keep a copy of our own
      this.detectBuf = Buffer.allocUnsafe(Math.max(64, chunk.length * 2))
      chunk.copy(this.detectBuf)
      this.detectLen = chunk.length
    }
    if (this.detectLen > this.limits.maxMessageSize + FRAME_PREFIX_SIZE) {
      throw new CodecError(CodecErrorCode.UNKNOWN_PROTOCOL, `no Thrift dialect recognised in the first ${data.length} bytes`)
    }
    return undefined
  }
}
