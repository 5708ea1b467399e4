// Log lines for notable core events (upstream failures, client protocol errors, drain). These are
// subscribers like the metrics: the core never calls the logger from its forwarding loop.
import { subscribe } from '../core/index.js'
import type { Logger } from '../log/index.js'

export function logCoreEvents(logger: Logger): () => void {
  const offs = [
    subscribe('upstreamError', (e) => logger.warn({ upstream: e.upstream, cause: e.cause, affectedCalls: e.affectedCalls, connectionId: e.connectionId }, 'upstream error')),
    subscribe('clientError', (e) => logger.debug({ code: e.code, connectionId: e.connectionId }, e.message)),
    subscribe('handlerError', (e) => logger.error({ stage: e.stage, call: e.name, err: e.error }, 'call handler failed')),
    subscribe('drain', (e) =>
      logger.info({ phase: e.phase, openConnections: e.openConnections, inFlight: e.inFlight, deadlineHit: e.deadlineHit }, e.phase === 'start' ? 'draining' : 'drained'),
    ),
  ]
  return () => {
    for (const off of offs) off()
  }
}
