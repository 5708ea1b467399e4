// `thriftgate check-config FILE`: validates a config (and its IDL) and explains what it does.
import type { CommandModule } from 'yargs'
import { explainConfig, loadConfig } from '../../config/index.js'
import { configFile, flagOverrides, withConfigFlags, type ConfigFlags } from '../flags.js'
import { describeFailure } from '../report.js'

type Args = ConfigFlags & { file?: string }

export const checkConfigCommand: CommandModule<object, Args> = {
  command: 'check-config [file]',
  describe: 'Validate a config file and explain what it makes the proxy do',
  builder: (y) =>
    withConfigFlags(y)
      .positional('file', { type: 'string', describe: 'The config file (or use --config / THRIFTGATE_CONFIG)' })
      .example('$0 check-config config/demo/thriftgate.yaml', 'List every problem, or summarise the config'),
  handler: (argv) => {
    const file = argv.file ?? configFile(argv)
    try {
      const config = loadConfig({ file, flags: flagOverrides(argv) })
      process.stdout.write(`${file ?? 'flags and environment'}: OK\n\n${explainConfig(config)}\n`)
    } catch (err) {
      process.stderr.write(`${describeFailure(err)}\n`)
      process.exitCode = 1
    }
  },
}
