// The gateway in-process: config -> proxy + admin, plugins attach readiness checks and routes and
// are closed after the drain, /readyz follows the upstream.
import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, test } from 'node:test'
import { sendJson } from '../../proxy/admin/index.js'
import { startGateway } from '../../proxy/cli/gateway.js'
import type { GatewayPlugin } from '../../proxy/cli/plugins.js'
import { loadConfig } from '../../proxy/config/index.js'
import { createLogger } from '../../proxy/log/index.js'
import { connectInteropClient, startInteropServer } from '../support/thrift-peers.js'

const logger = createLogger({ level: 'silent' })

function configFor(upstreamPort: number) {
  return loadConfig({
    env: {},
    flags: [
      { path: ['upstream'], value: `127.0.0.1:${upstreamPort}`, origin: 'test' },
      { path: ['listen'], value: '127.0.0.1:0', origin: 'test' },
      { path: ['admin'], value: '127.0.0.1:0', origin: 'test' },
    ],
  })
}

/** A port nothing listens on (bound, read, released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

describe('gateway', () => {
  test('plugins add checks and routes; they close after the proxy drained; shutdown is idempotent', async () => {
    const upstream = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    const events: string[] = []
    const plugin: GatewayPlugin = {
      name: 'probe',
      async start(ctx) {
        ctx.readiness.add({ name: 'probe', check: () => ({ ok: true, detail: 'fine' }) })
        ctx.admin.add({ method: 'GET', path: '/probe', mutating: false, description: 'test', handle: (_q, res) => sendJson(res, 200, { open: ctx.proxy.stats().openConnections }) })
        return { close: async () => void events.push(`plugin closed, proxy ready=${ctx.proxy.ready}`) }
      },
    }
    const skipped: GatewayPlugin = { name: 'skipped', start: async () => undefined }
    const gw = await startGateway(configFor(upstream.port), logger, [plugin, skipped])
    try {
      assert.deepEqual(gw.plugins, ['probe'])
      const admin = `http://127.0.0.1:${gw.adminAddress.port}`
      const ready = (await (await fetch(`${admin}/readyz`)).json()) as { ready: boolean; checks: Array<{ name: string }> }
      assert.equal(ready.ready, true)
      assert.deepEqual(ready.checks.map((c) => c.name), ['proxy', 'upstream', 'probe'])
      const client = await connectInteropClient(gw.listen.port, { transport: 'framed', protocol: 'binary' })
      assert.equal(await client.add(2, 3), 5)
      assert.deepEqual(await (await fetch(`${admin}/probe`)).json(), { open: 1 })
      await client.close()
      await Promise.all([gw.shutdown('test'), gw.shutdown('again')])
      assert.deepEqual(events, ['plugin closed, proxy ready=false'])
      await assert.rejects(fetch(`${admin}/healthz`), 'the admin server is closed last')
    } finally {
      await gw.shutdown('finally')
      await upstream.close()
    }
  })

  test('/readyz is 503 naming the upstream while it is down, 200 once it is up', async () => {
    const port = await closedPort()
    const gw = await startGateway(configFor(port), logger, [])
    try {
      const admin = `http://127.0.0.1:${gw.adminAddress.port}`
      const r = await fetch(`${admin}/readyz`)
      assert.equal(r.status, 503)
      const body = (await r.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string }> }
      assert.deepEqual(body.checks.find((c) => c.name === 'upstream')?.ok, false)
      assert.match(body.checks.find((c) => c.name === 'upstream')?.detail ?? '', /ECONNREFUSED/)
    } finally {
      await gw.shutdown('test')
    }
  })

  test('a plugin that fails to start: nothing is left listening', async () => {
    const upstream = await startInteropServer({ transport: 'framed', protocol: 'binary' })
    const config = configFor(upstream.port)
    const broken: GatewayPlugin = { name: 'broken', start: async () => { throw new Error('no disk') } }
    try {
      await assert.rejects(startGateway(config, logger, [broken]), /no disk/)
    } finally {
      await upstream.close()
    }
  })
})
