// Admin exposure rules end to end, through the real CLI: a non-loopback admin address without a
// token is a config error (serve does not start, check-config says why), unless the operator asks
// for read-only; a token from the environment satisfies it. These runs stop at config loading, so
// nothing here binds a non-loopback address.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadConfig } from '../../proxy/config/index.js'
import { cleanEnv, runCli } from '../cli/spawn.js'

describe('admin off loopback', () => {
  test('serve and check-config refuse a non-loopback admin without a token, naming the fixes', async () => {
    const args = ['--upstream', '127.0.0.1:1', '--listen', '127.0.0.1:0', '--admin', '0.0.0.0:0']
    const served = await runCli(['serve', ...args], { env: cleanEnv() })
    assert.notEqual(served.code, 0)
    const out = served.stdout + served.stderr
    assert.match(out, /adminToken: admin listens on 0\.0\.0\.0:0, not loopback, and no admin token is set/)
    assert.match(out, /THRIFTGATE_ADMIN_TOKEN/)
    assert.match(out, /adminWithoutToken: read-only/)
    assert.doesNotMatch(out, /thriftgate started/)
  })

  test('a token (env) or read-only makes the same address valid; loopback needs neither', () => {
    const flags = [{ path: ['admin'], value: '0.0.0.0:9464', origin: '--admin' }]
    assert.throws(() => loadConfig({ flags, env: { THRIFTGATE_UPSTREAM: '127.0.0.1:1' } }), { code: 'TG_ERR_CONFIG', message: /adminToken: admin listens on 0\.0\.0\.0:9464/ })
    const withToken = loadConfig({ flags, env: { THRIFTGATE_UPSTREAM: '127.0.0.1:1', THRIFTGATE_ADMIN_TOKEN: 't' } })
    assert.equal(withToken.adminToken, 't')
    const readOnly = loadConfig({ flags, env: { THRIFTGATE_UPSTREAM: '127.0.0.1:1', THRIFTGATE_ADMIN_WITHOUT_TOKEN: 'read-only' } })
    assert.equal(readOnly.adminWithoutToken, 'read-only')
    assert.equal(loadConfig({ env: { THRIFTGATE_UPSTREAM: '127.0.0.1:1', THRIFTGATE_ADMIN: '127.0.0.1:9464' } }).adminToken, undefined)
    assert.throws(() => loadConfig({ flags, env: { THRIFTGATE_UPSTREAM: '127.0.0.1:1', THRIFTGATE_ADMIN_WITHOUT_TOKEN: 'open' } }), { message: /adminWithoutToken: expected one of refuse, read-only/ })
  })
})
