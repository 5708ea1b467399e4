// `thriftgate demo` and `thriftgate demo-client`: the demo starts, prints a command that works, and
// stops cleanly on SIGTERM.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runCli, spawnCli } from './spawn.js'

describe('thriftgate demo', () => {
  test('prints where to point a client and a command that calls through the proxy', async () => {
    const demo = spawnCli(['demo', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--users', '100', '--latency-ms', '0', '--scan-latency-ms', '0'])
    let out = ''
    const exited = new Promise<number | null>((resolve) => demo.on('close', (code) => resolve(code)))
    try {
      const command = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no demo banner; got: ${out}`)), 20_000)
        demo.stdout?.setEncoding('utf8').on('data', (d: string) => {
          out += d
          const m = /^\s+(node .*demo-client .*)$/m.exec(out)
          if (m?.[1] !== undefined) {
            clearTimeout(timer)
            resolve(m[1])
          }
        })
      })
      assert.match(out, /thriftgate proxy\s+127\.0\.0\.1:\d+\s+<- point Thrift clients here/)
      assert.match(out, /admin\s+http:\/\/127\.0\.0\.1:\d+\/metrics/)
      // Run the printed command's demo-client part (it targets the printed port).
      const args = command.slice(command.indexOf('demo-client')).split(' ')
      const r = await runCli(args)
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /getUser\(42\)\s+[\d.]+ ms\s+-> \{"id":"42","name":"User 42","email":"user42@example\.com"/)
      assert.match(r.stdout, /countUsers\(\)\s+[\d.]+ ms\s+-> "100"/)
      // The demo shows what the proxy adds: the repeated getUser was answered by the proxy itself.
      const metricsUrl = /admin\s+(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out)?.[1] ?? ''
      const metrics = await (await fetch(metricsUrl)).text()
      assert.match(metrics, /thriftgate_requests_total\{service="",method="getUser",outcome="local"\} [1-9]/)
      const missing = await runCli([...args.slice(0, 3), 'getUser', '100000'])
      assert.match(missing.stdout, /!! NotFound: user 100000 not found/)
    } finally {
      demo.kill('SIGTERM')
    }
    assert.equal(await exited, 0)
  })

  test('demo-client: an unknown method is a usage error (exit 2)', async () => {
    const r = await runCli(['demo-client', '--port', '1', 'getUsr', '1'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown method "getUsr"; the demo UserService has: getUser/)
  })

  test('demo-client: nothing listening is a clear error (exit 1)', async () => {
    const r = await runCli(['demo-client', '--port', '1', 'countUsers'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cannot connect to 127\.0\.0\.1:1.*is `thriftgate demo` running\?/)
  })
})
