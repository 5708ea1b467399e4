// `thriftgate webhook`: the mutating admission webhook that injects the sidecar into pods that ask for
// it (deploy/k8s/webhook). Runs until SIGTERM/SIGINT, then stops accepting and exits 0.
import type { CommandModule } from 'yargs'
import { parseHostPort } from '../../config/index.js'
import { K8sError, K8sErrorCode, WebhookServer } from '../../k8s/index.js'
import { createLogger } from '../../log/index.js'
import { injectOptionsFrom, lastString, withInjectFlags, type InjectFlags } from '../inject-flags.js'
import { describeFailure } from '../report.js'

type Args = InjectFlags & { listen: string; 'tls-cert': string; 'tls-key': string; 'log-level': string }

export const webhookCommand: CommandModule<object, Args> = {
  command: 'webhook',
  describe: 'Serve the sidecar-injecting mutating admission webhook (AdmissionReview v1 over HTTPS)',
  builder: (y) =>
    withInjectFlags(y)
      .option('listen', { coerce: lastString, type: 'string', default: '0.0.0.0:8443', describe: 'HOST:PORT for HTTPS (POST /mutate, GET /healthz)' })
      .option('tls-cert', { coerce: lastString, type: 'string', demandOption: true, describe: 'PEM certificate (chain) file, e.g. from a mounted kubernetes.io/tls Secret; re-read when it changes' })
      .option('tls-key', { coerce: lastString, type: 'string', demandOption: true, describe: 'PEM private key file' })
      .option('log-level', { coerce: lastString, type: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] })
      .example('$0 webhook --tls-cert /tls/tls.crt --tls-key /tls/tls.key --sidecar-image thriftgate:0.1.0', 'As deploy/k8s/webhook runs it'),
  handler: async (argv) => {
    const logger = createLogger({ level: argv['log-level'] })
    let server: WebhookServer
    try {
      const listen = parseHostPort(argv.listen)
      if (listen === undefined) throw new K8sError(K8sErrorCode.BAD_OPTION, `--listen: "${argv.listen}" is not HOST:PORT`)
      const inject = injectOptionsFrom(argv)
      server = new WebhookServer({ host: listen.host, port: listen.port, certFile: argv['tls-cert'], keyFile: argv['tls-key'], inject, log: logger })
      await server.listen()
    } catch (err) {
      process.stderr.write(`${describeFailure(err)}\n`)
      process.exitCode = 1
      return
    }
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'webhook stopping')
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  },
}
