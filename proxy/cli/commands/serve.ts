// `thriftgate serve`: run the proxy until SIGTERM/SIGINT, then drain and exit 0.
import type { CommandModule } from 'yargs'
import { loadConfig } from '../../config/index.js'
import { createLogger } from '../../log/index.js'
import { configFile, flagOverrides, withConfigFlags, type ConfigFlags } from '../flags.js'
import { describeFailure } from '../report.js'
import { StartupAbortedError, trapShutdownSignals } from '../signals.js'

export const serveCommand: CommandModule<object, ConfigFlags> = {
  command: 'serve',
  describe: 'Run the proxy (with a config file, or flags alone as a pure forwarder)',
  builder: (y) =>
    withConfigFlags(y)
      .example('$0 serve --config thriftgate.yaml', 'Run with a config file')
      .example('$0 serve --listen 127.0.0.1:9090 --upstream 127.0.0.1:9091', 'Forward with no config file (transport and protocol auto-detected)'),
  handler: async (argv) => {
    // First of all: a SIGTERM while starting must close what was opened and exit 0, not kill us.
    const signals = trapShutdownSignals()
    // Loaded here, not at the top: the proxy, cache and index (RocksDB, Redis clients) are only
    // needed to serve, and `--help` or `check-config` should start fast.
    const { exitOnFatalErrors, startGateway } = await import('../gateway.js')
    let config
    const file = configFile(argv)
    try {
      config = loadConfig({ file, flags: flagOverrides(argv) })
    } catch (err) {
      const hint = file === undefined ? '\nGive a config file (--config FILE) or at least --upstream HOST:PORT; see `thriftgate serve --help`.' : ''
      process.stderr.write(`${describeFailure(err)}${hint}\n`)
      process.exitCode = 1
      return
    }
    const logger = createLogger({ level: config.log.level })
    logger.info({ config: config.source }, 'starting')
    try {
      const gateway = await startGateway(config, logger, undefined, signals.abort)
      signals.running(gateway, logger)
      exitOnFatalErrors(logger)
    } catch (err) {
      if (err instanceof StartupAbortedError) return signals.aborted(logger)
      logger.fatal({ err }, 'could not start')
      process.stderr.write(`${describeFailure(err, config.log.level === 'debug' || config.log.level === 'trace')}\n`)
      process.exitCode = 1
    }
  },
}
