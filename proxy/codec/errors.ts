// Typed codec errors. Every failure the codec can report is a CodecError with a stable string
// `code` (listed in docs/errors.md) and, where the Thrift specs define one, the matching
// TProtocolException type so a proxy can answer in Thrift's own terms. It extends the one
// ThriftgateError base (which imports nothing), so the codec still depends on nothing outside it.
import { ThriftgateError } from '../errors/index.js'

/** TProtocolException type codes (apache/thrift lib/*: TProtocolException). */
export const TProtocolExceptionType = {
  UNKNOWN: 0,
  INVALID_DATA: 1,
  NEGATIVE_SIZE: 2,
  SIZE_LIMIT: 3,
  BAD_VERSION: 4,
  NOT_IMPLEMENTED: 5,
  DEPTH_LIMIT: 6,
} as const
export type TProtocolExceptionType = (typeof TProtocolExceptionType)[keyof typeof TProtocolExceptionType]

export const CodecErrorCode = {
  /** A frame or message is larger than the configured maximum. */
  FRAME_TOO_LARGE: 'TG_ERR_FRAME_TOO_LARGE',
  /** Structs/containers nested deeper than the configured maximum. */
  DEPTH_LIMIT: 'TG_ERR_DEPTH_LIMIT',
  /** A length or container size is negative. */
  NEGATIVE_SIZE: 'TG_ERR_NEGATIVE_SIZE',
  /** A container or string claims more elements/bytes than can possibly remain. */
  SIZE_LIMIT: 'TG_ERR_SIZE_LIMIT',
  /** A type code that no protocol defines. */
  BAD_TYPE: 'TG_ERR_BAD_TYPE',
  /** A protocol version or message type byte that is not valid. */
  BAD_VERSION: 'TG_ERR_BAD_VERSION',
  /** A complete message ended before its content did. */
  TRUNCATED: 'TG_ERR_TRUNCATED',
  /** The first bytes of a stream match no transport/protocol we speak. */
  UNKNOWN_PROTOCOL: 'TG_ERR_UNKNOWN_PROTOCOL',
  /** A THeader frame is malformed (bad header length, bad info block, ...). */
  BAD_HEADER: 'TG_ERR_BAD_HEADER',
  /** A THeader transform we do not implement (anything but zlib), or a payload it cannot undo. */
  BAD_TRANSFORM: 'TG_ERR_BAD_TRANSFORM',
  /** Valid Thrift that the codec deliberately does not handle (e.g. the JSON protocol in THeader). */
  NOT_IMPLEMENTED: 'TG_ERR_NOT_IMPLEMENTED',
  /** Malformed content that is none of the above (e.g. a varint longer than its type allows). */
  INVALID_DATA: 'TG_ERR_INVALID_DATA',
} as const
export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode]

const protocolTypeOf: Record<CodecErrorCode, TProtocolExceptionType> = {
  TG_ERR_FRAME_TOO_LARGE: TProtocolExceptionType.SIZE_LIMIT,
  TG_ERR_DEPTH_LIMIT: TProtocolExceptionType.DEPTH_LIMIT,
  TG_ERR_NEGATIVE_SIZE: TProtocolExceptionType.NEGATIVE_SIZE,
  TG_ERR_SIZE_LIMIT: TProtocolExceptionType.SIZE_LIMIT,
  TG_ERR_BAD_TYPE: TProtocolExceptionType.INVALID_DATA,
  TG_ERR_BAD_VERSION: TProtocolExceptionType.BAD_VERSION,
  TG_ERR_TRUNCATED: TProtocolExceptionType.INVALID_DATA,
  TG_ERR_UNKNOWN_PROTOCOL: TProtocolExceptionType.BAD_VERSION,
  TG_ERR_BAD_HEADER: TProtocolExceptionType.INVALID_DATA,
  TG_ERR_BAD_TRANSFORM: TProtocolExceptionType.NOT_IMPLEMENTED,
  TG_ERR_NOT_IMPLEMENTED: TProtocolExceptionType.NOT_IMPLEMENTED,
  TG_ERR_INVALID_DATA: TProtocolExceptionType.INVALID_DATA,
}

// Built only on bad input, never per message; `code` is set by the base (no field redeclared
// here: under ES2022 class fields a bare `code` declaration would reset it to undefined).
export class CodecError extends ThriftgateError<CodecErrorCode> {
  override readonly name = 'CodecError'
  /** The TProtocolException type this error corresponds to. */
  readonly protocolType: TProtocolExceptionType

  constructor(code: CodecErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.protocolType = protocolTypeOf[code]
  }
}
