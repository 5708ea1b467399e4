// `thriftgate serve` as a real process: flags alone make a forwarder; SIGTERM with calls in flight
// drains them (none lost), readiness fails first, and the process exits 0.
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { connectInteropClient, startInteropServer, type InteropServer } from '../support/thrift-peers.js'
import { cleanEnv, startServe } from './spawn.js'

const admin = async (port: number, path: string): Promise<{ status: number; body: string }> => {
  const r = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: r.status, body: await r.text() }
}

describe('thriftgate serve', () => {
  let upstream: InteropServer
  before(async () => {
    upstream = await startInteropServer({ transport: 'framed', protocol: 'binary' })
  })
  after(async () => {
    await upstream.close()
  })

  test('flags only, no config file: forwards a real thrift call; admin answers', async () => {
    const gw = await startServe(['--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstream.port}`, '--admin', '127.0.0.1:0'])
    try {
      const client = await connectInteropClient(gw.port, { transport: 'framed', protocol: 'binary' })
      assert.equal(await client.add(40, 2), 42)
      assert.equal(await client.echoString('through the proxy'), 'through the proxy')
      await client.close()
      assert.equal((await admin(gw.adminPort, '/healthz')).status, 200)
      const ready = await admin(gw.adminPort, '/readyz')
      assert.equal(ready.status, 200, ready.body)
      const metrics = (await admin(gw.adminPort, '/metrics')).body
      assert.match(metrics, /thriftgate_requests_total\{service="",method="add",outcome="success"\} 1/)
    } finally {
      gw.child.kill('SIGTERM')
      assert.deepEqual(await gw.exited, { code: 0, signal: null })
    }
  })

  test('SIGTERM with calls in flight: readiness fails, every call is answered, exit 0', async () => {
    const gw = await startServe(['--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstream.port}`, '--admin', '127.0.0.1:0', '--drain-deadline', '20s'])
    const clients = await Promise.all([0, 1, 2].map(() => connectInteropClient(gw.port, { transport: 'framed', protocol: 'binary' })))
    const calls = clients.flatMap((c, i) => Array.from({ length: 5 }, (_, j) => c.slow(1500, `c${i}-${j}`)))
    // Every call has reached the upstream before the signal: they are all in flight.
    await Promise.all(Array.from({ length: 15 }, (_, k) => upstream.calls.waitFor('slow', (args) => args[1] === `c${Math.floor(k / 5)}-${k % 5}`)))
    gw.child.kill('SIGTERM')
    await gw.waitForLog('draining')
    const ready = await admin(gw.adminPort, '/readyz')
    assert.equal(ready.status, 503)
    assert.match(ready.body, /"name":"draining","ok":false/)
    // The listener no longer accepts new connections.
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = net.connect(gw.port, '127.0.0.1', () => (s.destroy(), resolve(undefined)))
        s.once('error', reject)
      }),
      /ECONNREFUSED/,
    )
    const answers = await Promise.all(calls)
    assert.deepEqual(answers, clients.flatMap((_, i) => Array.from({ length: 5 }, (_, j) => `c${i}-${j}`)))
    for (const c of clients) await c.close()
    assert.deepEqual(await gw.exited, { code: 0, signal: null })
    const drained = gw.logs.find((l) => l.msg === 'drained')
    assert.equal(drained?.deadlineHit, false)
    assert.ok(gw.logs.some((l) => l.msg === 'stopped'))
  })

  test('--config file with env and flags laid over it (flags > env > file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-serve-'))
    const file = join(dir, 'thriftgate.yaml')
    copyFileSync(new URL('../../config/demo/user.thrift', import.meta.url), join(dir, 'user.thrift'))
    // The file's upstream and listen are wrong on purpose: env and flags must win.
    writeFileSync(file, 'listen: 127.0.0.1:1\nupstream: 127.0.0.1:1\nadmin: 127.0.0.1:0\nidl: [user.thrift]\nlog: { level: debug }\n')
    const env = cleanEnv({ THRIFTGATE_UPSTREAM: `127.0.0.1:${upstream.port}`, THRIFTGATE_LISTEN: '127.0.0.1:2', THRIFTGATE_LOG_LEVEL: 'info' })
    const gw = await startServe(['--config', file, '--listen', '127.0.0.1:0'], env)
    try {
      const started = gw.logs.find((l) => l.msg === 'thriftgate started')
      assert.equal(started?.upstream, `127.0.0.1:${upstream.port}`)
      assert.equal(started?.level, 'info')
      const client = await connectInteropClient(gw.port, { transport: 'framed', protocol: 'binary' })
      assert.equal(await client.echoString('layered'), 'layered')
      await client.close()
      assert.ok(!gw.logs.some((l) => l.level === 'debug'), 'THRIFTGATE_LOG_LEVEL overrides the file')
    } finally {
      gw.child.kill('SIGINT')
      assert.deepEqual(await gw.exited, { code: 0, signal: null })
    }
  })

  test('a config problem: exit 1 with the problem, no stack trace', async () => {
    const { runCli } = await import('./spawn.js')
    const r = await runCli(['serve', '--listen', '127.0.0.1:0'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /upstream: is required/)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
  })
})
