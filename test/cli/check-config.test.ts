// `thriftgate check-config`: explains a good config, lists every problem of a bad one (exit 1).
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { cleanEnv, runCli } from './spawn.js'

function tempConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tg-cli-')), 'bad.yaml')
  writeFileSync(file, text)
  return file
}

describe('thriftgate check-config', () => {
  test('the demo config: OK and a summary of what it does', async () => {
    const r = await runCli(['check-config', 'config/demo/thriftgate.yaml'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /OK/)
    assert.match(r.stdout, /forwarded to 127\.0\.0\.1:9091/)
    assert.match(r.stdout, /cached read getUser: ttl 1m/)
    assert.match(r.stdout, /write putUser invalidates getUser\(id: u\.id\), countUsers/)
    assert.match(r.stdout, /index email on email \(unique\)/)
  })

  test('a bad config: all problems with their paths, exit 1', async () => {
    const file = tempConfig('upstream: 127.0.0.1:9091\ntimeouts: { conect: 2s }\nservices:\n  UserService:\n    reads:\n      getUser: { ttl: 30 }\n')
    const r = await runCli(['check-config', file])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /2 problems \(TG_ERR_CONFIG\)/)
    assert.match(r.stderr, /- timeouts\.conect: unknown key \(did you mean "connect"\?\)/)
    assert.match(r.stderr, /- services\.UserService\.reads\.getUser\.ttl: expected a duration like "30s"/)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
  })

  test('a missing file: exit 1 and says so', async () => {
    const r = await runCli(['check-config', 'no/such/file.yaml'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cannot read the config file: no such file/)
  })

  test('THRIFTGATE_CONFIG names the file when no argument is given', async () => {
    const r = await runCli(['check-config'], { env: cleanEnv({ THRIFTGATE_CONFIG: 'config/demo/thriftgate.yaml' }) })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /UserService/)
  })
})
