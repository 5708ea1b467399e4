// SIGTERM/SIGINT over the whole life of a served gateway. Kubernetes may stop a pod at any moment,
// including while it is still starting (loading IDL, opening RocksDB, waiting for Redis, binding
// the listener); Node's default on those signals is to die at once, leaving RocksDB and Redis
// connections unclosed. So the handlers are installed before startup: a signal then aborts the
// startup (what was opened is closed, exit 0); once running, it starts the graceful drain (exit 0).
// A second signal in either phase exits at once (1).
import { ThriftgateError } from '../errors/index.js'
import type { Logger } from '../log/index.js'
import type { Gateway } from './gateway.js'

export const StartupErrorCode = {
  /** SIGTERM/SIGINT arrived before startup finished: everything opened so far was closed. */
  ABORTED: 'TG_ERR_STARTUP_ABORTED',
} as const

export class StartupAbortedError extends ThriftgateError<typeof StartupErrorCode.ABORTED> {
  override readonly name = 'StartupAbortedError'
  constructor(readonly signal: string) {
    super(StartupErrorCode.ABORTED, `thriftgate: ${signal} before startup finished; startup aborted`)
  }
}

/** Throws StartupAbortedError when `signal` has fired (its reason is the signal's name). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new StartupAbortedError(String(signal.reason))
}

export interface ShutdownSignals {
  /** Aborted with the signal's name on the first SIGTERM/SIGINT: startup watches it. */
  readonly abort: AbortSignal
  /** Startup finished: a signal (or one that came just now) drains `gateway`, then exits 0. */
  running(gateway: Gateway, logger: Logger): void
  /** Startup was aborted and everything it opened is closed: exit 0. */
  aborted(logger: Logger | undefined): void
}

export function trapShutdownSignals(): ShutdownSignals {
  const controller = new AbortController()
  let received: NodeJS.Signals | undefined
  let onFirst: (signal: NodeJS.Signals) => void = (signal) => controller.abort(signal)
  let onSecond: () => void = () => process.exit(1)
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== undefined) return onSecond()
    received = signal
    onFirst(signal)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return {
    abort: controller.signal,
    running(gateway, logger) {
      const drain = (signal: NodeJS.Signals): void => {
        gateway.shutdown(signal).then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed')
            process.exit(1)
          },
        )
      }
      onSecond = () => {
        logger.warn({ signal: received }, 'second signal: closing connections now')
        gateway.proxy.destroy()
        process.exit(1)
      }
      if (received !== undefined) drain(received)
      else onFirst = drain
    },
    aborted(logger) {
      logger?.info({ signal: received }, 'startup aborted by signal; everything opened was closed')
      process.exit(0)
    },
  }
}
