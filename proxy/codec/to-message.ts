// From a complete payload to the Message a splitter yields: read the envelope, name the dialect.

import { readEnvelope, splitName } from './envelope.js'
import { CodecError, CodecErrorCode } from './errors.js'
import type { Dialect, HeaderInfo, Message, MessageType, Protocol, Transport } from './types.js'

function frozenDialects(transport: Transport): Record<Protocol, readonly [Dialect, Dialect]> {
  const d = (protocol: Protocol, strict: boolean): Dialect => Object.freeze({ transport, protocol, strict })
  return { binary: [d('binary', false), d('binary', true)], compact: [d('compact', true), d('compact', true)] }
}
const DIALECTS: Record<Transport, Record<Protocol, readonly [Dialect, Dialect]>> = {
  framed: frozenDialects('framed'),
  unframed: frozenDialects('unframed'),
  header: frozenDialects('header'),
}

/** The shared, frozen Dialect object for a combination (no per-message allocation). */
export function dialectOf(transport: Transport, protocol: Protocol, strict: boolean): Dialect {
  return DIALECTS[transport][protocol][strict ? 1 : 0]
}

/** Reads the envelope of a complete payload and assembles the Message; bad bytes are CodecErrors. */
export function toMessage(
  raw: Buffer,
  payload: Buffer,
  transport: Transport,
  protocol: Protocol,
  header: HeaderInfo | undefined,
): Message {
  try {
    const env = readEnvelope(payload, 0, protocol)
    return assembleMessage(raw, payload, dialectOf(transport, protocol, env.strict), header, env.type, env.name, env.seqid, env.bodyOffset)
  } catch (err) {
    throw asCodecError(err)
  }
}

/**
 * The Message object, from envelope fields already read and checked (`type` a valid message
 * type). The one place a Message is built, so that every Message has the same shape.
 */
export function assembleMessage(
  raw: Buffer,
  payload: Buffer,
  dialect: Dialect,
  header: HeaderInfo | undefined,
  type: MessageType,
  name: string,
  seqid: number,
  bodyOffset: number,
): Message {
  const { service, method } = splitName(name, type)
  return { raw, payload, dialect, header, type, name, service, method, seqid, bodyOffset }
}

/** A RangeError from reading past a buffer means the message ended before its content did. */
export function asCodecError(err: unknown): CodecError {
  if (err instanceof CodecError) return err
  return new CodecError(CodecErrorCode.TRUNCATED, `malformed message: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  })
}
