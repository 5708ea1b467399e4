// Logs are JSON lines with the level as a word, and never carry secrets.
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { createLogger } from '../../proxy/log/index.js'

function capture(level: string): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d: Buffer) => (text += d.toString()))
  const logger = createLogger({ level, destination: stream })
  return { logger, lines: () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) }
}

test('JSON lines with level, time and name', () => {
  const { logger, lines } = capture('info')
  logger.info({ listen: '127.0.0.1:9090' }, 'thriftgate started')
  logger.debug('hidden at info')
  const [line, extra] = lines()
  assert.equal(extra, undefined)
  assert.equal(line?.msg, 'thriftgate started')
  assert.equal(line?.level, 'info')
  assert.equal(line?.name, 'thriftgate')
  assert.equal(line?.listen, '127.0.0.1:9090')
  assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT/)
})

test('secrets are redacted: admin token, passwords, URL credentials', () => {
  const { logger, lines } = capture('info')
  logger.info({ adminToken: 'tok-123', cache: { redis: { url: 'redis://user:pa55@10.0.0.1:6379/0' } }, password: 'x' }, 'config')
  logger.info({ redisUrl: 'redis://:pa55@127.0.0.1:6379' }, 'redis')
  const text = JSON.stringify(lines())
  assert.doesNotMatch(text, /tok-123|pa55/)
  assert.match(text, /redis:\/\/:\*\*\*@127\.0\.0\.1:6379/)
})
