// Writes a config to a temp dir and loads it, returning the ConfigError's problems.
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig, type Config, type ConfigProblem, type LoadOptions } from '../../proxy/config/index.js'

export const DEMO_IDL = new URL('../../config/demo/user.thrift', import.meta.url)

/** A temp dir holding `name` with `text`, and user.thrift beside it. */
export function writeConfig(text: string, name = 'thriftgate.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-config-'))
  copyFileSync(DEMO_IDL, join(dir, 'user.thrift'))
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

export function load(text: string, opts: Omit<LoadOptions, 'file'> = {}): Config {
  return loadConfig({ env: {}, ...opts, file: writeConfig(text) })
}

export function problemsOf(text: string, opts: Omit<LoadOptions, 'file'> = {}): ConfigProblem[] {
  try {
    load(text, opts)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    assert.equal(err.code, 'TG_ERR_CONFIG')
    return [...err.problems]
  }
  assert.fail('expected the config to be rejected')
}

/** Asserts one problem is at `path` and its text matches `re`. */
export function assertProblem(problems: readonly ConfigProblem[], path: string, re: RegExp): void {
  const p = problems.find((x) => x.path === path)
  assert.ok(p !== undefined, `no problem at ${path}; got ${JSON.stringify(problems)}`)
  assert.match(p.problem, re)
}
