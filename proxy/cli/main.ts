// The `thriftgate` command. Each subcommand is a file in commands/; to add one, import it and add it
// to COMMANDS. Exit codes: 0 ok, 1 failure (bad config, cannot start), 2 usage error (bad flags).
import yargs, { type CommandModule } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { checkConfigCommand } from './commands/check-config.js'
import { demoClientCommand } from './commands/demo-client.js'
import { demoCommand } from './commands/demo.js'
import { indexCommand } from './commands/index.js'
import { serveCommand } from './commands/serve.js'
import { injectCommand } from './commands/inject.js'
import { webhookCommand } from './commands/webhook.js'
import { cacheCommand } from './commands/cache.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argv type
const COMMANDS: ReadonlyArray<CommandModule<any, any>> = [
  serveCommand,
  checkConfigCommand,
  demoCommand,
  demoClientCommand,
  indexCommand,
  injectCommand,
  webhookCommand,
  cacheCommand,
]

export const USAGE_EXIT_CODE = 2

export async function main(args: readonly string[]): Promise<void> {
  let cli = yargs([...args])
    .scriptName('thriftgate')
    .usage(
      [
        'thriftgate: a transparent caching and indexing sidecar proxy for Apache Thrift services.',
        '',
        'Point your Thrift clients at the proxy instead of the service; everything is forwarded',
        'unchanged unless the config says a read may be cached or answered from an index.',
        '',
        'Usage: $0 <command> [options]',
      ].join('\n'),
    )
  for (const c of COMMANDS) cli = cli.command(c)
  cli = cli
    .example('$0 demo', 'See it work: a demo service, the proxy in front, and a command to call through it')
    .example('$0 serve --listen 0.0.0.0:9090 --upstream 127.0.0.1:9091', 'Forward to your service (no config file needed)')
    .example('$0 check-config thriftgate.yaml', 'Check a config and see what it does')
    .example('$0 serve --config thriftgate.yaml', 'Run with caching/indexing rules from a config file')
    .example('$0 <command> --help', 'Options of one command')
  await cli
    .demandCommand(1, 'Name a command: serve, check-config, demo, ... (see the list above)')
    .strict()
    .recommendCommands()
    .epilogue(
      [
        'Try the demo first: `thriftgate demo` (or `npm start`) runs a sample UserService with the proxy in front of it.',
        'Config: docs/configuration.md (every key with its default: docs/config-reference.md). Every error code: docs/errors.md. Every metric: docs/metrics.md.',
        'Environment variables (flags override them; they override the config file): THRIFTGATE_CONFIG THRIFTGATE_LISTEN ' +
          'THRIFTGATE_UPSTREAM THRIFTGATE_ADMIN THRIFTGATE_ADMIN_TOKEN THRIFTGATE_LOG_LEVEL THRIFTGATE_IDL THRIFTGATE_TRANSPORT ' +
          'THRIFTGATE_PROTOCOL THRIFTGATE_DRAIN_DEADLINE THRIFTGATE_REDIS_URL THRIFTGATE_INDEX_PATH',
      ].join('\n\n'),
    )
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err, y) => {
      // A handler's own error (not a usage problem) is reported by the handler; this is for bad flags.
      if (err !== undefined && err !== null) {
        process.stderr.write(`error: ${err.message}\n`)
        process.exit(1)
      }
      y.showHelp((s: string) => process.stderr.write(`${s}\n\n`))
      process.stderr.write(`error: ${msg}\n`)
      process.exit(USAGE_EXIT_CODE)
    })
    .parseAsync()
}

await main(hideBin(process.argv))
