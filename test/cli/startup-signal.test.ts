// SIGTERM/SIGINT before startup finished: startup stops, what it opened is closed, exit 0 (a real
// spawned `thriftgate serve`), and in-process: startGateway closes the index it opened and the admin
// port when aborted during a later step.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { join, resolve } from 'node:path'
import net from 'node:net'
import { describe, test } from 'node:test'
import { startGateway } from '../../proxy/cli/gateway.js'
import { PLUGINS, type GatewayPlugin } from '../../proxy/cli/plugins.js'
import { StartupAbortedError } from '../../proxy/cli/signals.js'
import { loadConfig } from '../../proxy/config/index.js'
import { createLogger } from '../../proxy/log/index.js'
import { writeConfig } from '../config/helpers.js'
import { freePort } from '../support/net.js'
import { startUserServer } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'
import { spawnCli, type Exit } from './spawn.js'

/** Resolves once `GET /healthz` on the port answers (bounded). */
async function adminUp(port: number, child: { exitCode: number | null }): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`thriftgate exited (${child.exitCode}) before its admin port answered`)
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('admin port never answered')
}

async function portIsFree(port: number): Promise<boolean> {
  const srv = net.createServer()
  try {
    await new Promise<void>((res, rej) => (srv.once('error', rej), srv.listen(port, '127.0.0.1', res)))
    return true
  } catch {
    return false
  } finally {
    srv.close()
  }
}

describe('a signal before startup finished', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} while waiting for an unreachable Redis: startup aborted, exit 0`, async () => {
      const [adminPort, redisPort] = [await freePort(), await freePort()]
      // connectWait 10 min: without the abort, the process would still be waiting when the test times out.
      const file = writeConfig(
        `upstream: 127.0.0.1:1\nlisten: 127.0.0.1:0\nadmin: 127.0.0.1:${adminPort}\n` +
          `cache:\n  redis: { url: "redis://127.0.0.1:${redisPort}/0", connectWait: 10m }\n` +
          'services:\n  UserService:\n    reads:\n      getUser: { ttl: 5s }\n',
      )
      const child = spawnCli(['serve', '--config', file])
      let stdout = ''
      let stderr = ''
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      const exited = once(child, 'close').then(([code, sig]) => ({ code, signal: sig }) as Exit)
      let timer: NodeJS.Timeout | undefined
      try {
        // The admin server listens before the plugins start: from here on, the cache waits for Redis.
        await adminUp(adminPort, child)
        child.kill(signal)
        // Bounded: a process that does not exit is a failure with its output, not a runner timeout.
        const hung = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 30_000)))
        const result = await Promise.race([exited, hung])
        assert.deepEqual(result, { code: 0, signal: null }, `stdout: ${stdout}\nstderr: ${stderr}`)
      } finally {
        clearTimeout(timer)
        child.kill('SIGKILL')
      }
      const msgs = stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg)
      assert.ok(msgs.includes('starting'))
      assert.ok(msgs.some((m) => m.startsWith('startup aborted by signal')), stdout)
      assert.ok(!msgs.includes('thriftgate started'), stdout)
    })
  }

  test('in-process: aborted during a later plugin, startGateway closes the index (RocksDB) and the admin port', async () => {
    const upstream = await startUserServer({ seed: 5, transport: 'framed', protocol: 'binary' })
    const dir = tempDir('tg-abort-')
    const adminPort = await freePort()
    // The demo config (cache and index plugins), pointed at this test's upstream, ports and directory.
    const env = {
      THRIFTGATE_UPSTREAM: `127.0.0.1:${upstream.port}`,
      THRIFTGATE_LISTEN: '127.0.0.1:0',
      THRIFTGATE_ADMIN: `127.0.0.1:${adminPort}`,
      THRIFTGATE_INDEX_PATH: join(dir.path, 'index'),
    }
    const config = loadConfig({ file: resolve('config/demo/thriftgate.yaml'), env })
    const logger = createLogger({ level: 'silent' })
    const controller = new AbortController()
    // A step that is still running when the signal comes: it returns once aborted.
    const stuck: GatewayPlugin = {
      name: 'stuck',
      start: async (ctx) => {
        controller.abort('SIGTERM')
        assert.equal(ctx.abort?.aborted, true)
        return undefined
      },
    }
    try {
      await assert.rejects(startGateway(config, logger, [...PLUGINS, stuck], controller.signal), (e: unknown) => {
        assert.ok(e instanceof StartupAbortedError)
        assert.equal(e.code, 'TG_ERR_STARTUP_ABORTED')
        assert.match(e.message, /SIGTERM before startup finished/)
        return true
      })
      assert.ok(await portIsFree(adminPort), 'the admin port was closed')
      // RocksDB holds a lock on its directory while open: a second gateway opens it only if it was closed.
      const again = await startGateway(config, logger)
      try {
        assert.ok(again.plugins.includes('index'))
        const stats = (await (await fetch(`http://127.0.0.1:${again.adminAddress.port}/index/stats`)).json()) as { enabled?: boolean; error?: unknown }
        assert.equal(stats.enabled, true, JSON.stringify(stats))
      } finally {
        await again.shutdown('test')
      }
    } finally {
      await upstream.close()
      dir.cleanup()
    }
  })
})
