// The codec's public API: bytes in and out of Thrift, nothing else. Other folders import from here.

// shared vocabulary
export * from './types.js'
export * from './errors.js'

// protocol level
export { readEnvelope, tryReadEnvelope, writeEnvelope, splitName } from './envelope.js'
export type { Envelope } from './envelope.js'
export { skipStruct, skipValue } from './walker.js'
export * from './value.js'
export * from './value-codec.js'
export { ByteWriter } from './byte-writer.js'
export * from './field-path.js'
export * from './canonical.js'
export * from './transcode.js'
export * from './app-exception.js'

// transport level
export { checkFrameLength, framePrefix, readFrameLength, writeFramed, FRAME_PREFIX_SIZE } from './framed.js'
export {
  parseHeaderFrame,
  writeHeaderFrame,
  inflatePayload,
  replyHeader,
  defaultHeader,
  protocolIdOf,
  HEADER_MAGIC,
  HeaderProtocolId,
  HeaderTransform,
  MAX_HEADER_FRAME,
} from './theader.js'
export type { ParsedHeaderFrame } from './theader.js'
export { detectDialect, protocolOfPayload, MAX_DETECT_NAME } from './detect.js'
export type { Detected } from './detect.js'
export { UnframedScanner } from './unframed-scanner.js'
export { MessageSplitter } from './splitter.js'
export { resultFieldId, VOID_RESULT, UNREADABLE_RESULT } from './result-field.js'
export { dialectOf, toMessage } from './to-message.js'
export type { SplitterOptions } from './splitter.js'
export {
  encodeMessage,
  replyFor,
  applicationExceptionFor,
  applicationExceptionIn,
  rewriteSeqid,
  renameMessage,
} from './message-writer.js'
export type { EnvelopeFields } from './message-writer.js'
