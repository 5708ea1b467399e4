// A valid config normalises (durations to ms, sizes to bytes, names to ids) and overrides apply
// with precedence flags > env > file > defaults.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DEFAULTS, explainConfig, loadConfig } from '../../proxy/config/index.js'
import { load } from './helpers.js'

const demoYaml = readFileSync(new URL('../../config/demo/thriftgate.yaml', import.meta.url), 'utf8')

describe('loading a valid config', () => {
  test('the demo config: ids resolved from the IDL', () => {
    const c = load(demoYaml)
    const svc = c.services.get('UserService')
    assert.ok(svc)
    assert.equal(svc.reads.get('getUser')?.ttlMs, 60_000)
    assert.equal(svc.reads.get('getUser')?.keepMs, 70_000)
    assert.deepEqual(svc.reads.get('getUser')?.negative, [{ name: 'notFound', id: 1 }])
    const inv = svc.writes.get('putUser')?.invalidates[0]
    assert.deepEqual(inv?.bindings, [{ param: { name: 'id', id: 1 }, source: [{ name: 'u', id: 1 }, { name: 'id', id: 1 }] }])
    assert.ok(svc.oneway.has('touch'), 'oneway methods come from the IDL')
    const user = svc.entities.get('User')
    assert.deepEqual(user?.indexes.get('email'), { name: 'email', field: { name: 'email', id: 3 }, unique: true })
    assert.deepEqual(user?.lookups.get('listUsersByAge')?.range, [{ name: 'lo', id: 1 }, { name: 'hi', id: 2 }])
    assert.match(explainConfig(c), /cached read getUser: ttl 1m/)
  })

  test('every example config and the demo config are valid', () => {
    for (const f of ['examples/forwarder.yaml', 'examples/cached-reads.yaml', 'examples/full.yaml', 'demo/thriftgate.yaml']) {
      const c = loadConfig({ env: {}, file: fileURLToPath(new URL(`../../config/${f}`, import.meta.url)) })
      assert.ok(c.upstream.port > 0, f)
    }
  })

  test('defaults fill what the file leaves out', () => {
    const c = load('upstream: 127.0.0.1:9091\n')
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9090 })
    assert.deepEqual(c.admin, { host: '127.0.0.1', port: 9464 })
    assert.equal(c.timeouts.connectMs, 2000)
    assert.equal(c.limits.maxBufferedBytes, 8 * 1024 * 1024)
    assert.equal(c.limits.maxFrameSize, DEFAULTS.limits.maxFrameSize)
    assert.equal(c.drain.deadlineMs, 20_000)
    assert.equal(c.cache.redis, undefined)
    assert.equal(c.services.size, 0)
  })

  test('JSON works too', () => {
    const c = load('{ "upstream": "127.0.0.1:1", "limits": { "maxFrameSize": "1MiB" } }')
    assert.equal(c.limits.maxFrameSize, 1024 * 1024)
  })

  test('precedence: flags > env > file > defaults', () => {
    const env = { THRIFTGATE_LISTEN: '127.0.0.1:7001', THRIFTGATE_UPSTREAM: '127.0.0.1:7002', THRIFTGATE_LOG_LEVEL: 'warn' }
    const flags = [{ path: ['listen'], value: '127.0.0.1:8001', origin: '--listen' }]
    const c = load('upstream: 127.0.0.1:9091\nlisten: 127.0.0.1:9000\nlog: { level: debug }\n', { env, flags })
    assert.equal(c.listen.port, 8001)
    assert.equal(c.upstream.port, 7002)
    assert.equal(c.log.level, 'warn')
  })

  test('no file at all: flags alone make a forwarder', () => {
    const c = loadConfig({ env: {}, flags: [{ path: ['upstream'], value: '127.0.0.1:1234', origin: '--upstream' }] })
    assert.equal(c.source, undefined)
    assert.equal(c.upstream.port, 1234)
    assert.match(explainConfig(c), /pure forwarder/)
  })

  test('THRIFTGATE_REDIS_URL sets the shared tier; summaries hide its password', () => {
    const c = load('upstream: 127.0.0.1:1\n', { env: { THRIFTGATE_REDIS_URL: 'redis://:s3cret@127.0.0.1:6379/0' } })
    assert.equal(c.cache.redis?.keyPrefix, 'tg:')
    assert.doesNotMatch(explainConfig(c), /s3cret/)
  })
})

test('relative paths: from the file relative to the file, from flags relative to the working directory', () => {
  const fromFile = load('upstream: 127.0.0.1:1\nidl: [user.thrift]\nindex: { path: idx }\n')
  assert.ok(fromFile.idl.files[0]?.endsWith('user.thrift') && fromFile.source !== undefined)
  assert.equal(fromFile.index?.path, fromFile.source?.replace(/thriftgate\.yaml$/, 'idx'))
  const cwd = fileURLToPath(new URL('../../', import.meta.url))
  const fromFlag = load('upstream: 127.0.0.1:1\n', {
    cwd,
    flags: [{ path: ['idl'], value: ['config/demo/user.thrift'], origin: '--idl' }],
    env: { THRIFTGATE_INDEX_PATH: 'data/x' },
  })
  assert.equal(fromFlag.idl.files[0], `${cwd}config/demo/user.thrift`)
  assert.equal(fromFlag.index?.path, `${cwd}data/x`)
})
