// Flags shared by commands that load a config, and how they become config overrides
// (precedence: flags > THRIFTGATE_* env > file > defaults).
import type { Argv } from 'yargs'
import { CONFIG_ENV, LOG_LEVELS, type Override } from '../config/index.js'

export interface ConfigFlags {
  config?: string
  listen?: string
  upstream?: string
  admin?: string
  'log-level'?: string
  idl?: string[]
  transport?: string
  protocol?: string
  'drain-deadline'?: string
  'redis-url'?: string
}

export function withConfigFlags<T>(y: Argv<T>): Argv<T & ConfigFlags> {
  return y
    .option('config', { alias: 'c', type: 'string', describe: `Config file (YAML or JSON). Env: ${CONFIG_ENV}` })
    .option('listen', { type: 'string', describe: 'Where clients connect, HOST:PORT. Env: THRIFTGATE_LISTEN', group: 'Overrides:' })
    .option('upstream', { type: 'string', describe: 'The Thrift service, HOST:PORT. Env: THRIFTGATE_UPSTREAM', group: 'Overrides:' })
    .option('admin', { type: 'string', describe: 'Admin HTTP (/metrics, /healthz, /readyz), HOST:PORT. Env: THRIFTGATE_ADMIN', group: 'Overrides:' })
    .option('log-level', { type: 'string', choices: [...LOG_LEVELS], describe: 'Log level. Env: THRIFTGATE_LOG_LEVEL', group: 'Overrides:' })
    .option('idl', { type: 'string', array: true, describe: 'Thrift IDL file(s) giving names to methods and fields. Env: THRIFTGATE_IDL (comma-separated)', group: 'Overrides:' })
    .option('transport', { type: 'string', choices: ['auto', 'framed', 'unframed', 'header'], describe: 'Client transport. Env: THRIFTGATE_TRANSPORT', group: 'Overrides:' })
    .option('protocol', { type: 'string', choices: ['auto', 'binary', 'compact'], describe: 'Client protocol. Env: THRIFTGATE_PROTOCOL', group: 'Overrides:' })
    .option('drain-deadline', { type: 'string', describe: 'How long calls in flight may take to finish on shutdown, e.g. 20s. Env: THRIFTGATE_DRAIN_DEADLINE', group: 'Overrides:' })
    .option('redis-url', { type: 'string', describe: 'Shared cache tier, redis://HOST:PORT/DB. Env: THRIFTGATE_REDIS_URL', group: 'Overrides:' }) as Argv<T & ConfigFlags>
}

const FLAG_PATHS: ReadonlyArray<[keyof ConfigFlags, readonly string[]]> = [
  ['listen', ['listen']],
  ['upstream', ['upstream']],
  ['admin', ['admin']],
  ['log-level', ['log', 'level']],
  ['idl', ['idl']],
  ['transport', ['transport']],
  ['protocol', ['protocol']],
  ['drain-deadline', ['drain', 'deadline']],
  ['redis-url', ['cache', 'redis', 'url']],
]

export function flagOverrides(argv: ConfigFlags): Override[] {
  const out: Override[] = []
  for (const [flag, path] of FLAG_PATHS) {
    const value = argv[flag]
    if (value !== undefined) out.push({ path, value, origin: `--${flag}` })
  }
  return out
}

/** The config file: --config, else THRIFTGATE_CONFIG, else none. */
export function configFile(argv: ConfigFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return argv.config ?? (env[CONFIG_ENV] === '' ? undefined : env[CONFIG_ENV])
}
