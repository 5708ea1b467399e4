// The cache through the real gateway (plugin registered in proxy/cli/plugins.ts): admin endpoints
// and the `thriftgate cache` command against a running proxy.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { startGateway, type Gateway } from '../../proxy/cli/gateway.js'
import { loadConfig } from '../../proxy/config/index.js'
import { createLogger } from '../../proxy/log/index.js'
import { connectUserClient, startUserServer, type DemoUpstream, type UserClient } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'
import { DEFAULT_SERVICES, IDL } from './harness.js'

const run = promisify(execFile)

describe('cache admin endpoints and CLI on a running gateway', () => {
  let upstream: DemoUpstream
  let gw: Gateway
  let client: UserClient
  let admin: string
  before(async () => {
    upstream = await startUserServer({ seed: 20, transport: 'framed', protocol: 'binary' })
    const dir = tempDir('tg-cache-cli-')
    const file = join(dir.path, 'c.yaml')
    writeFileSync(file, `listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\nupstream: 127.0.0.1:${upstream.port}\nidl: ["${IDL}"]\n${DEFAULT_SERVICES}`)
    gw = await startGateway(loadConfig({ file, env: {} }), createLogger({ level: 'silent' }))
    admin = `127.0.0.1:${gw.adminAddress.port}`
    client = await connectUserClient(gw.listen.port, { transport: 'framed', protocol: 'binary' })
  })
  after(async () => {
    await client.close()
    await gw.shutdown('test')
    await upstream.close()
  })

  test('the cache plugin is on; /cache/entry shows an entry; /cache/purge drops it', async () => {
    assert.ok(gw.plugins.includes('cache'))
    await client.getUser(3)
    const e = (await (await fetch(`http://${admin}/cache/entry?method=getUser&args=${encodeURIComponent('{"id":3}')}`)).json()) as { cached: boolean; tier: string }
    assert.equal(e.cached, true)
    assert.equal(e.tier, 'memory')
    const p = await fetch(`http://${admin}/cache/purge`, { method: 'POST', body: JSON.stringify({ method: 'getUser', args: { id: 3 } }) })
    assert.equal(p.status, 200)
    const gone = (await (await fetch(`http://${admin}/cache/entry?method=getUser&args=${encodeURIComponent('{"id":3}')}`)).json()) as { cached: boolean }
    assert.equal(gone.cached, false)
    const bad = await fetch(`http://${admin}/cache/purge`, { method: 'POST', body: JSON.stringify({ method: 'getUser', args: { nope: 1 } }) })
    assert.equal(bad.status, 400)
    const metrics = await (await fetch(`http://${admin}/metrics`)).text()
    assert.match(metrics, /thriftgate_cache_hits_total\{tier="memory"\}/)
  })

  test('thriftgate cache inspect / purge', async () => {
    await client.getUser(4)
    const cli = ['--import', 'tsx', 'proxy/cli/main.ts', 'cache']
    const inspect = await run(process.execPath, [...cli, 'inspect', '--admin', admin, '--method', 'getUser', '--args', '{"id":4}'])
    assert.match(inspect.stdout, /"cached":true/)
    const purge = await run(process.execPath, [...cli, 'purge', '--admin', admin, '--method', 'getUser'])
    assert.match(purge.stdout, /"purged":"method"/)
    const again = await run(process.execPath, [...cli, 'inspect', '--admin', admin, '--method', 'getUser', '--args', '{"id":4}'])
    assert.match(again.stdout, /"cached":false/)
  })
})
