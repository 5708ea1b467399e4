import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatDuration, formatSize, parseDuration, parseHostPort, parseSize } from '../../proxy/config/index.js'

test('durations', () => {
  assert.equal(parseDuration('500ms'), 500)
  assert.equal(parseDuration('30s'), 30_000)
  assert.equal(parseDuration('1m30s'), 90_000)
  assert.equal(parseDuration('1.5h'), 5_400_000)
  assert.equal(parseDuration('0s'), 0)
  for (const bad of ['30', 's', '30 s', '-1s', '1w', '']) assert.equal(parseDuration(bad), undefined, bad)
  assert.equal(formatDuration(90_000), '1m30s')
  assert.equal(formatDuration(250), '250ms')
})

test('sizes', () => {
  assert.equal(parseSize('64MiB'), 64 * 1024 * 1024)
  assert.equal(parseSize('1KB'), 1000)
  assert.equal(parseSize('8k'), 8192)
  assert.equal(parseSize(16_384_000), 16_384_000)
  assert.equal(parseSize('100'), 100)
  for (const bad of ['64 parsecs', '-1', 'MiB']) assert.equal(parseSize(bad), undefined, bad)
  assert.equal(parseSize(-1), undefined)
  assert.equal(formatSize(64 * 1024 * 1024), '64MiB')
})

test('host:port', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:9090'), { host: '127.0.0.1', port: 9090 })
  assert.deepEqual(parseHostPort('[::1]:0'), { host: '::1', port: 0 })
  assert.deepEqual(parseHostPort('svc.local:80'), { host: 'svc.local', port: 80 })
  for (const bad of ['9090', 'host:', 'host:70000', '::1:9090']) assert.equal(parseHostPort(bad), undefined, bad)
})
