// Config errors. One ConfigError carries every problem found (not only the first), each naming
// the dotted path in the config file and what is wrong there, so `check-config` can list them all.
import { ThriftgateError } from '../errors/index.js'

export const ConfigErrorCode = {
  /** The config file (or flags/env merged into it) is invalid: see `problems`. */
  CONFIG: 'TG_ERR_CONFIG',
  /** An IDL file could not be read, parsed or resolved (message names file:line). */
  IDL: 'TG_ERR_IDL',
} as const
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode]

export interface ConfigProblem {
  /** Dotted path into the config, e.g. `services.UserService.reads.getUser.ttl`; '' for the whole file. */
  readonly path: string
  readonly problem: string
}

export function formatProblem(p: ConfigProblem): string {
  return p.path === '' ? p.problem : `${p.path}: ${p.problem}`
}

export class ConfigError extends ThriftgateError<typeof ConfigErrorCode.CONFIG> {
  override readonly name = 'ConfigError'
  readonly problems: readonly ConfigProblem[]
  /** The file the problems are in, when there is one. */
  readonly file: string | undefined

  constructor(problems: readonly ConfigProblem[], file?: string, options?: { cause?: unknown }) {
    const where = file === undefined ? 'config' : file
    const list = problems.map((p) => `  - ${formatProblem(p)}`).join('\n')
    super(ConfigErrorCode.CONFIG, `${where}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${list}`, options)
    this.problems = problems
    this.file = file
  }
}

export class IdlError extends ThriftgateError<typeof ConfigErrorCode.IDL> {
  override readonly name = 'IdlError'
  /** `file:line` locations, one per problem. */
  readonly locations: readonly string[]

  constructor(message: string, locations: readonly string[], options?: { cause?: unknown }) {
    super(ConfigErrorCode.IDL, message, options)
    this.locations = locations
  }
}
