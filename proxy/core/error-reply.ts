// The TApplicationException the proxy itself sends: always in the client's own dialect, with the
// call's original seqid and bare method name (THRIFT-WIRE-NOTES, "Multiplexing": clients match replies
// by seqid and some also by name).
import {
  applicationExceptionFor,
  applicationExceptionIn,
  dialectOf,
  type Dialect,
  type Message,
  type TApplicationExceptionType,
} from '../codec/index.js'

/**
 * An exception answering `request`, or, when the bytes were too broken to yield a message, answering
 * seqid 0 and name "" in `dialect` (the client cannot match it to a call, but it learns why the
 * connection is about to close instead of seeing a bare EOF).
 */
export function errorReply(
  request: Message | undefined,
  dialect: Dialect,
  message: string,
  type: TApplicationExceptionType,
): Buffer[] {
  if (request !== undefined) return applicationExceptionFor(request, message, type)
  return applicationExceptionIn(dialect, undefined, '', 0, message, type) ?? []
}

/** The dialect fixed by configuration, when both transport and protocol are fixed. */
export function configuredDialect(transport: string, protocol: string): Dialect | undefined {
  if (transport === 'auto' || protocol === 'auto') return undefined
  return dialectOf(transport as Dialect['transport'], protocol as Dialect['protocol'], true)
}
