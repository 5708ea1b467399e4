// The admin HTTP server in-process: liveness, readiness checks and draining, routing errors, and
// the token rules for mutating endpoints.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { AdminServer, ProxyMetrics, ReadinessRegistry, sendJson, upstreamCheck } from '../../proxy/admin/index.js'
import { createLogger } from '../../proxy/log/index.js'

const logger = createLogger({ level: 'silent' })
const servers: AdminServer[] = []
const metricsList: ProxyMetrics[] = []
after(async () => {
  for (const s of servers) await s.close()
  for (const m of metricsList) m.close()
})

async function start(opts: { token?: string; loopback?: boolean; readiness?: ReadinessRegistry } = {}): Promise<{ url: string; server: AdminServer; readiness: ReadinessRegistry }> {
  const readiness = opts.readiness ?? new ReadinessRegistry()
  const metrics = new ProxyMetrics({ stats: () => undefined, processMetrics: false })
  metricsList.push(metrics)
  const server = new AdminServer({ host: '127.0.0.1', port: 0, metrics, readiness, logger, adminToken: opts.token, loopback: opts.loopback ?? true })
  servers.push(server)
  server.add({ method: 'POST', path: '/purge', mutating: true, description: 'test', handle: (_q, res) => sendJson(res, 200, { purged: true }) })
  const { port } = await server.listen()
  return { url: `http://127.0.0.1:${port}`, server, readiness }
}

describe('admin server', () => {
  test('/healthz is 200 while the process is up', async () => {
    const { url } = await start()
    const r = await fetch(`${url}/healthz`)
    assert.equal(r.status, 200)
    assert.deepEqual(await r.json(), { status: 'ok' })
  })

  test('/readyz names each check; one failing check makes it 503', async () => {
    const { url, readiness } = await start()
    readiness.add({ name: 'proxy', check: () => ({ ok: true }) })
    let redisOk = true
    readiness.add({ name: 'redis', check: async () => ({ ok: redisOk, detail: redisOk ? 'PONG' : 'connection refused' }) })
    let r = await fetch(`${url}/readyz`)
    assert.equal(r.status, 200)
    assert.deepEqual(await r.json(), { ready: true, checks: [{ name: 'proxy', ok: true }, { name: 'redis', ok: true, detail: 'PONG' }] })
    redisOk = false
    r = await fetch(`${url}/readyz`)
    assert.equal(r.status, 503)
    assert.deepEqual(((await r.json()) as { checks: unknown[] }).checks[1], { name: 'redis', ok: false, detail: 'connection refused' })
  })

  test('draining makes /readyz 503 at once, whatever the checks say', async () => {
    const { url, readiness } = await start()
    readiness.add({ name: 'proxy', check: () => ({ ok: true }) })
    readiness.startDraining()
    const r = await fetch(`${url}/readyz`)
    assert.equal(r.status, 503)
    assert.deepEqual(((await r.json()) as { checks: unknown[] }).checks[0], { name: 'draining', ok: false, detail: 'shutting down' })
  })

  test('a check that throws is a failed check, not a crash', async () => {
    const { url, readiness } = await start()
    readiness.add({ name: 'index', check: () => { throw new Error('db locked') } })
    const r = await fetch(`${url}/readyz`)
    assert.equal(r.status, 503)
    assert.match(await r.text(), /check failed: db locked/)
  })

  test('the upstream check: a closed port is not ready', async () => {
    const check = upstreamCheck({ host: '127.0.0.1', port: 1, cacheMs: 0 })
    const r = await check.check()
    assert.equal(r.ok, false)
    assert.match(r.detail ?? '', /ECONNREFUSED/)
  })

  test('unknown path 404 with the endpoint list; wrong method 405', async () => {
    const { url } = await start()
    const r404 = await fetch(`${url}/nope`)
    assert.equal(r404.status, 404)
    assert.match(await r404.text(), /GET \/metrics/)
    const r405 = await fetch(`${url}/metrics`, { method: 'POST' })
    assert.equal(r405.status, 405)
    assert.equal(r405.headers.get('allow'), 'GET')
  })

  test('mutating endpoint on loopback without a token: allowed', async () => {
    const { url } = await start()
    assert.equal((await fetch(`${url}/purge`, { method: 'POST' })).status, 200)
  })

  test('mutating endpoint with a token configured: 401 without it or when wrong, 200 with it', async () => {
    const { url } = await start({ token: 's3cret' })
    assert.equal((await fetch(`${url}/purge`, { method: 'POST' })).status, 401)
    assert.equal((await fetch(`${url}/purge`, { method: 'POST', headers: { authorization: 'Bearer nope' } })).status, 401)
    assert.equal((await fetch(`${url}/purge`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } })).status, 200)
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'read-only endpoints need no token')
  })

  test('401 says how to authenticate; a token of another length, or with junk after it, is wrong too', async () => {
    const { url } = await start({ token: 'tok-abcdef' })
    const r = await fetch(`${url}/purge`, { method: 'POST', headers: { authorization: 'Bearer tok' } })
    assert.equal(r.status, 401)
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="thriftgate-admin"')
    assert.match(((await r.json()) as { error: string }).error, /Authorization: Bearer <adminToken>/)
    for (const h of ['Bearer tok-abcdef x', 'Basic tok-abcdef', 'tok-abcdef', 'Bearer tok-abcdefg']) {
      assert.equal((await fetch(`${url}/purge`, { method: 'POST', headers: { authorization: h } })).status, 401, h)
    }
    assert.equal((await fetch(`${url}/purge`, { method: 'POST', headers: { authorization: 'bearer  tok-abcdef' } })).status, 200)
  })

  test('a POST route that forgot to say it is mutating still needs the token', async () => {
    const { url, server } = await start({ token: 't0k' })
    server.add({ method: 'POST', path: '/oops', mutating: false, description: 'test', handle: (_q, res) => sendJson(res, 200, { changed: true }) })
    assert.equal((await fetch(`${url}/oops`, { method: 'POST' })).status, 401)
    assert.equal((await fetch(`${url}/oops`, { method: 'POST', headers: { authorization: 'Bearer t0k' } })).status, 200)
  })

  test('mutating endpoint off loopback without a token: 403', async () => {
    const { url } = await start({ loopback: false })
    const r = await fetch(`${url}/purge`, { method: 'POST' })
    assert.equal(r.status, 403)
    assert.match(await r.text(), /no adminToken/)
  })
})
