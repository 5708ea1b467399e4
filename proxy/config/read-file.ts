// Reads a config file as YAML (JSON is valid YAML) into plain data; syntax errors name the line.
import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { ConfigError, type ConfigProblem } from './errors.js'

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message
    throw new ConfigError([{ path: '', problem: `cannot read the config file: ${why}` }], file, { cause: err })
  }
  // uniqueKeys (the default) makes a repeated key an error rather than silently keeping the last.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const problems: ConfigProblem[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0]
      const where = pos === undefined ? '' : `line ${pos.line}, column ${pos.col}: `
      // prettyErrors fills linePos and appends " at line L, column C:" plus a code excerpt to the message.
      const message = (e.message.split('\n')[0] ?? 'YAML syntax error').replace(/ at line \d+, column \d+:?$/, '')
      return { path: '', problem: `${where}${message}` }
    })
    throw new ConfigError(problems, file)
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 })
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([{ path: '', problem: `the config must be a map of keys (like "upstream: 127.0.0.1:9091"); got ${Array.isArray(data) ? 'a list' : typeof data}` }], file)
  }
  return data as Record<string, unknown>
}
