// Secrets never reach the output: `thriftgate serve` and `check-config` run as real processes with a
// Redis password (in the URL, and apart from it) and an admin token, through the paths that print
// the most (debug logs, the config explanation, Redis refusing the password, a wrong admin token,
// config errors), and every byte they write is searched for the secrets. Also: with the wrong Redis
// password calls are still served and /readyz says why Redis is not used.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { cleanEnv, runCli, startServe } from '../cli/spawn.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { connectInteropClient, startInteropServer, type InteropServer } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'

const secret = (what: string): string => `${what}-${randomBytes(9).toString('hex')}`
const REDIS_PASSWORD = secret('redispw')
const WRONG_PASSWORD = secret('wrongpw')
const ADMIN_TOKEN = secret('admintok')
const ALL = [REDIS_PASSWORD, WRONG_PASSWORD, ADMIN_TOKEN]

/** Fails naming the secret and the line it leaked in. */
function assertNoSecret(output: string, where: string): void {
  for (const s of ALL) {
    const at = output.indexOf(s)
    if (at < 0) continue
    const line = output.slice(output.lastIndexOf('\n', at) + 1, output.indexOf('\n', at) >>> 0 || undefined)
    assert.fail(`${where} leaked a secret (${s.split('-')[0]}): ${line}`)
  }
}

describe('secrets never logged', () => {
  let upstream: InteropServer
  let redis: RedisServer
  const dir = tempDir('thriftgate-secrets-').path
  before(async () => {
    upstream = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    redis = await startRedis({ password: REDIS_PASSWORD })
  })
  after(async () => {
    await upstream.close()
    await redis.stop()
  })

  const writeConfig = (name: string, redisUrl: string, extra = ''): string => {
    const file = join(dir, name)
    writeFileSync(
      file,
      `upstream: 127.0.0.1:${upstream.port}\nlisten: 127.0.0.1:0\nadmin: 127.0.0.1:0\nlog: { level: trace }\n` +
        `cache:\n  redis: { url: "${redisUrl}", connectWait: 300ms${extra} }\n` +
        'services:\n  ThriftTest:\n    reads:\n      echoString: { ttl: 5s }\n',
    )
    return file
  }

  test('serve with a Redis that refuses the password: calls are served, /readyz and the log say why, no secret in any output', async () => {
    const file = writeConfig('wrong.yaml', `redis://:${WRONG_PASSWORD}@127.0.0.1:${redis.port}/0`)
    const gw = await startServe(['--config', file], cleanEnv({ THRIFTGATE_ADMIN_TOKEN: ADMIN_TOKEN }))
    let output = ''
    try {
      const client = await connectInteropClient(gw.port, { transport: 'framed', protocol: 'binary' })
      assert.equal(await client.echoString('still served'), 'still served')
      assert.equal(await client.echoString('still served'), 'still served')
      await client.close()
      const warn = await gw.waitForLog('redis unavailable: the shared cache tier is skipped until it answers')
      assert.match(String(warn.problem), /WRONGPASS|invalid password/)
      const ready = await fetch(`http://127.0.0.1:${gw.adminPort}/readyz`)
      const body = await ready.text()
      assert.equal(ready.status, 200, body)
      assert.match(body, /"name":"redis","ok":true,"detail":"degraded, calls go to the upstream: .*(WRONGPASS|invalid password)/)
      // The admin token: wrong one refused (401), right one accepted; neither is echoed or logged.
      const purge = (token: string): Promise<Response> =>
        fetch(`http://127.0.0.1:${gw.adminPort}/cache/purge`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"all":true}' })
      const denied = await purge(`${ADMIN_TOKEN}x`)
      assert.equal(denied.status, 401)
      assertNoSecret(await denied.text(), 'the 401 body')
      const allowed = await purge(ADMIN_TOKEN)
      assert.equal(allowed.status, 200, await allowed.clone().text())
      assertNoSecret(await allowed.text(), 'the purge answer')
      assertNoSecret(await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text(), '/metrics')
    } finally {
      gw.child.kill('SIGTERM')
      await gw.exited
      output = JSON.stringify(gw.logs) + gw.stderr()
    }
    assert.ok(gw.logs.length > 3, 'the test saw the logs')
    assertNoSecret(output, 'serve (wrong password)')
  })

  test('serve with the password from THRIFTGATE_REDIS_PASSWORD: Redis is used; no secret in any output', async () => {
    const file = writeConfig('env.yaml', `redis://127.0.0.1:${redis.port}/0`)
    const gw = await startServe(['--config', file], cleanEnv({ THRIFTGATE_ADMIN_TOKEN: ADMIN_TOKEN, THRIFTGATE_REDIS_PASSWORD: REDIS_PASSWORD }))
    try {
      const client = await connectInteropClient(gw.port, { transport: 'framed', protocol: 'binary' })
      assert.equal(await client.echoString('cached'), 'cached')
      await client.close()
      const body = await (await fetch(`http://127.0.0.1:${gw.adminPort}/readyz`)).text()
      assert.match(body, /"name":"redis","ok":true,"detail":"connected"/)
    } finally {
      gw.child.kill('SIGTERM')
      await gw.exited
    }
    assertNoSecret(JSON.stringify(gw.logs) + gw.stderr(), 'serve (env password)')
  })

  test('check-config: the explanation, and config errors about the very keys that hold secrets, show none', async () => {
    const good = writeConfig('good.yaml', `redis://user:${REDIS_PASSWORD}@127.0.0.1:${redis.port}/0`, `, password: "${WRONG_PASSWORD}"`)
    const ok = await runCli(['check-config', good], { env: cleanEnv({ THRIFTGATE_ADMIN_TOKEN: ADMIN_TOKEN }) })
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /shared Redis tier/)
    assertNoSecret(ok.stdout + ok.stderr, 'check-config')

    // A URL that breaks the schema pattern, a password of the wrong type, an admin token too short.
    const bad = join(dir, 'bad.yaml')
    writeFileSync(
      bad,
      `upstream: 127.0.0.1:1\nadmin: 0.0.0.0:0\ncache:\n  redis: { url: "http://:${REDIS_PASSWORD}@h:1", password: ["${WRONG_PASSWORD}"] }\n`,
    )
    const failed = await runCli(['check-config', bad], { env: cleanEnv() })
    assert.notEqual(failed.code, 0)
    assert.match(failed.stdout + failed.stderr, /cache\.redis\.url/)
    assertNoSecret(failed.stdout + failed.stderr, 'check-config errors')
    const served = await runCli(['serve', '--config', bad], { env: cleanEnv({ THRIFTGATE_ADMIN_TOKEN: 'x' }), timeoutMs: 20_000 })
    assert.notEqual(served.code, 0)
    assertNoSecret(served.stdout + served.stderr, 'serve refusing a bad config')
  })
})
