import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import net from 'node:net'
import { freePort, waitForPort, withTimeout, sleep } from './net.js'
import { tempDir } from './tmp.js'

test('freePort gives a port we can bind; waitForPort sees a listener appear', async () => {
  const port = await freePort()
  const waiting = waitForPort(port, { timeoutMs: 5000 })
  await sleep(30)
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r))
  await waiting
  srv.close()
  await assert.rejects(waitForPort(port, { timeoutMs: 100 }), /nothing listening/)
})

test('withTimeout passes values through and names what timed out', async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 100), 7)
  await assert.rejects(withTimeout(new Promise(() => {}), 20, 'the reply'), /the reply timed out after 20ms/)
})

test('tempDir is a fresh directory; cleanup removes it and is idempotent', () => {
  const a = tempDir()
  const b = tempDir()
  assert.notEqual(a.path, b.path)
  writeFileSync(join(a.path, 'f'), 'x')
  a.cleanup()
  a.cleanup()
  assert.equal(existsSync(a.path), false)
  assert.equal(existsSync(b.path), true)
  b.cleanup()
})
