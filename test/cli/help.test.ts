// The CLI as a newcomer meets it: --help, bad flags, missing commands.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runCli } from './spawn.js'

describe('thriftgate --help and usage errors', () => {
  test('--help lists the commands and where to start', async () => {
    const r = await runCli(['--help'])
    assert.equal(r.code, 0)
    for (const cmd of ['serve', 'check-config', 'demo']) assert.match(r.stdout, new RegExp(`thriftgate ${cmd}`))
    assert.match(r.stdout, /docs\/configuration\.md/)
    assert.match(r.stdout, /THRIFTGATE_UPSTREAM/)
  })

  test('serve --help shows the flags and an example without a config file', async () => {
    const r = await runCli(['serve', '--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /--upstream/)
    assert.match(r.stdout, /--upstream 127\.0\.0\.1:9091/)
    assert.match(r.stdout, /Forward with no config\s+file/)
  })

  test('an unknown flag: message + usage on stderr, exit 2, no stack trace', async () => {
    const r = await runCli(['serve', '--upstrem', '127.0.0.1:1'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Unknown argument: upstrem/)
    assert.match(r.stderr, /--upstream/)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
  })

  test('a bad choice for a flag: exit 2', async () => {
    const r = await runCli(['serve', '--upstream', '127.0.0.1:1', '--log-level', 'loud'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Invalid values:[\s\S]*log-level/)
  })

  test('no command: exit 2 with the list of commands', async () => {
    const r = await runCli([])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Name a command/)
  })

  test('an unknown command: exit 2 and a suggestion', async () => {
    const r = await runCli(['serv'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Did you mean serve\?/)
  })
})
