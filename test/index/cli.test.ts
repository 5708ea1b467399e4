// `thriftgate index ...` as a user runs it: a real process against a real upstream and a real
// index directory (backfill, stats, get, verify), and the clear error for a locked directory.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startUserServer, type DemoUpstream } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'
import { IndexStore } from '../../proxy/index/store.js'
import { ENTITIES, IDL } from './harness.js'

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['--import', 'tsx', resolve('proxy/cli/main.ts'), 'index', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    p.on('close', (code) => done({ code: code ?? -1, stdout, stderr }))
  })
}

describe('thriftgate index (CLI)', () => {
  let upstream: DemoUpstream
  let file: string
  let path: string
  before(async () => {
    upstream = await startUserServer({ seed: 120, transport: 'framed', protocol: 'binary' })
    const dir = tempDir('tg-index-cli-')
    path = join(dir.path, 'idx')
    file = join(dir.path, 'thriftgate.yaml')
    writeFileSync(file, `upstream: 127.0.0.1:${upstream.port}\ntransport: framed\nprotocol: binary\nidl: ["${IDL}"]\nindex: { path: "${path}" }\nservices:\n  UserService:\n${ENTITIES}`)
  })
  after(async () => {
    await upstream.close()
  })

  test('backfill, then stats, get and verify', async () => {
    const bf = await cli(['backfill', '--config', file, '--entity', 'User', '--page-size', '50', '--json'])
    assert.equal(bf.code, 0, bf.stderr)
    const r = JSON.parse(bf.stdout) as { scanned: number; authoritative: boolean }
    assert.equal(r.scanned, 120)
    assert.equal(r.authoritative, true)
    // One at a time: RocksDB allows one process per directory.
    const stats = await cli(['stats', '--config', file])
    assert.equal(stats.code, 0, stats.stderr)
    assert.match(stats.stdout, /User: 120 entities, entries email=120 age=120; authoritative/)
    const get = await cli(['get', '--config', file, '--index', 'email', 'user33@example.com'])
    assert.equal(get.stdout.trim(), '33')
    const v = await cli(['verify', '--config', file, '--sample', '20', '--json'])
    assert.equal(v.code, 0, v.stderr)
    assert.equal((JSON.parse(v.stdout) as { ok: number }).ok, 20)
  })

  test('a locked directory is a clear error pointing at --admin-url', async () => {
    const holder = await IndexStore.open(path, [])
    try {
      const r = await cli(['stats', '--config', file])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /TG_ERR_INDEX_LOCKED/)
      assert.match(r.stderr, /--admin-url/)
    } finally {
      await holder.close()
    }
  })
})
