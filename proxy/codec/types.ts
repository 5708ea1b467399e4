// The codec's shared vocabulary: Thrift type codes, message types, dialects and the Message a
// splitter yields. Wire facts: apache/thrift doc/specs (binary, compact, HeaderFormat).

/** Thrift type codes as the binary protocol writes them (compact uses its own, see compact.ts). */
export const TType = {
  STOP: 0,
  VOID: 1,
  BOOL: 2,
  I8: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
  UUID: 16,
} as const
export type TType = (typeof TType)[keyof typeof TType]

export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** TApplicationException type codes (thrift-rpc.md; fbthrift extends the list past 10). */
export const TApplicationExceptionType = {
  UNKNOWN: 0,
  UNKNOWN_METHOD: 1,
  INVALID_MESSAGE_TYPE: 2,
  WRONG_METHOD_NAME: 3,
  BAD_SEQUENCE_ID: 4,
  MISSING_RESULT: 5,
  INTERNAL_ERROR: 6,
  PROTOCOL_ERROR: 7,
  INVALID_TRANSFORM: 8,
  INVALID_PROTOCOL: 9,
  UNSUPPORTED_CLIENT_TYPE: 10,
  LOADSHEDDING: 11,
  TIMEOUT: 12,
  INJECTED_FAILURE: 13,
  CHECKSUM_MISMATCH: 14,
  INTERRUPTION: 15,
} as const
export type TApplicationExceptionType = (typeof TApplicationExceptionType)[keyof typeof TApplicationExceptionType]

export type Protocol = 'binary' | 'compact'
export type Transport = 'framed' | 'unframed' | 'header'

/** How one peer speaks: everything needed to write a message it will accept. */
export interface Dialect {
  readonly transport: Transport
  readonly protocol: Protocol
  /** Binary only: whether the peer wrote the strict (versioned, 0x8001) header. Replies mirror it. */
  readonly strict: boolean
}

/** One THeader info key/value pair, byte-exact (keys are case-sensitive: never normalise them). */
export interface HeaderKV {
  readonly key: Buffer
  readonly value: Buffer
}

/** The THeader fields of a message that arrived in a THeader frame. */
export interface HeaderInfo {
  /** u16 flags; 0x01 (fbthrift) = the client accepts out-of-order replies. */
  readonly flags: number
  /** THeader-level seqid (should equal the payload's seqid; rewrite both together). */
  readonly seqid: number
  /** 0 binary, 1 JSON (not supported), 2 compact. */
  readonly protocolId: number
  /** Transform ids in the order they were applied (1 zlib, 2 hmac, 3 snappy). */
  readonly transforms: readonly number[]
  /** Info headers (info block id 1), in wire order. */
  readonly info: readonly HeaderKV[]
}

/** Codec limits; every one is configurable. */
export interface CodecLimits {
  /** Max bytes of one message (frame length, or unframed message size). Default 16,384,000. */
  readonly maxMessageSize: number
  /** Max nesting of structs and containers. Default 64. */
  readonly maxDepth: number
}

export const DEFAULT_LIMITS: CodecLimits = { maxMessageSize: 16_384_000, maxDepth: 64 }

/**
 * One complete Thrift message as a splitter yields it.
 *
 * Buffers are views onto the bytes received (no copy when the message arrived inside one chunk).
 * The splitter never reuses memory it hands out, so a view stays valid; copy it before keeping it
 * long-term (a cache entry) so that a small view does not pin a large chunk.
 */
export interface Message {
  /** The message exactly as it was on the wire, transport framing included. Forward this unchanged. */
  readonly raw: Buffer
  /** The protocol-level message (envelope + body struct). For THeader: after undoing transforms. */
  readonly payload: Buffer
  readonly dialect: Dialect
  /** Present iff dialect.transport === 'header'. */
  readonly header: HeaderInfo | undefined
  readonly type: MessageType
  /** The name exactly as on the wire ("Service:method" when multiplexed). */
  readonly name: string
  /** CALL/ONEWAY with a ':' in the name: the part before the first ':'. Otherwise undefined. */
  readonly service: string | undefined
  /** The bare method name (the part after the first ':' on CALL/ONEWAY). */
  readonly method: string
  readonly seqid: number
  /** Offset in `payload` where the body struct (call args, or reply result) begins. */
  readonly bodyOffset: number
}
