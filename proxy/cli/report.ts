// How the CLI reports failures: config problems as a list, anything else as one line.
// Stack traces only at debug level: a newcomer needs the problem, not our call stack.
import { ConfigError, formatProblem } from '../config/index.js'

export function describeFailure(err: unknown, verbose = false): string {
  if (err instanceof ConfigError) {
    const where = err.file === undefined ? 'the config' : err.file
    const n = err.problems.length
    return [`${where}: ${n} problem${n === 1 ? '' : 's'} (${err.code})`, ...err.problems.map((p) => `  - ${formatProblem(p)}`)].join('\n')
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const head = `error${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`
    return verbose && err.stack !== undefined ? `${head}\n${err.stack}` : head
  }
  return `error: ${String(err)}`
}
