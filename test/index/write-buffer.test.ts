// index.writeBufferSize bounds RocksDB's unflushed write memory: the config key is checked, defaults
// to 16 MiB (not the binding's 64 MiB), and reaches the RocksDB the index opens (RocksDB writes the
// options it runs with into the directory's OPTIONS file, so the test reads them from there).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadConfig } from '../../proxy/config/index.js'
import { indexOptionsFromConfig } from '../../proxy/index/from-config.js'
import { SecondaryIndex } from '../../proxy/index/secondary-index.js'
import { IndexStore } from '../../proxy/index/store.js'
import { problemsOf } from '../config/helpers.js'
import { tempDir } from '../support/tmp.js'
import { ENTITIES, IDL } from './harness.js'

/** write_buffer_size of the default column family, as RocksDB recorded it. */
function writeBufferSizeIn(dir: string): number {
  const file = readdirSync(dir)
    .filter((f) => f.startsWith('OPTIONS-'))
    .sort()
    .at(-1)
  assert.ok(file !== undefined, `no OPTIONS file in ${dir}`)
  const m = /\[CFOptions "default"\][^[]*?\n\s*write_buffer_size=(\d+)/.exec(readFileSync(join(dir, file), 'utf8'))
  assert.ok(m !== null, 'write_buffer_size not found in the OPTIONS file')
  return Number(m[1])
}

const notUsed = async (): Promise<never> => Promise.reject(new Error('not used'))

function configWith(indexExtra: string): ReturnType<typeof loadConfig> {
  const file = join(tempDir('thriftgate-wbs-').path, 'c.yaml')
  writeFileSync(file, `upstream: 127.0.0.1:1\nidl: [${IDL}]\nindex: { path: ./ix${indexExtra} }\nservices:\n  UserService:\n${ENTITIES}`)
  return loadConfig({ file, env: {} })
}

test('index.writeBufferSize defaults to 16 MiB and takes a size', () => {
  assert.equal(configWith('').index?.writeBufferSize, 16 * 1024 * 1024)
  assert.equal(configWith(', writeBufferSize: 2MiB').index?.writeBufferSize, 2 * 1024 * 1024)
})

test('index.writeBufferSize below 64KiB is a config error naming the key', () => {
  const problems = problemsOf('upstream: 127.0.0.1:1\nindex: { path: ./ix, writeBufferSize: 4KiB }\n')
  assert.deepEqual(
    problems.map((p) => p.path),
    ['index.writeBufferSize'],
  )
  assert.match(problems[0]!.problem, /at least 64KiB.*"4KiB"/)
})

test('the configured size reaches the RocksDB the index opens', async () => {
  const config = configWith(', writeBufferSize: 3MiB')
  const o = indexOptionsFromConfig(config, { upstream: notUsed })
  assert.ok(o !== undefined)
  const index = await SecondaryIndex.open(o)
  try {
    assert.equal(index.error, undefined)
    assert.equal(writeBufferSizeIn(o.path), 3 * 1024 * 1024)
  } finally {
    await index.close()
  }
})

test('a store opened without tuning uses 16 MiB, not the binding default of 64 MiB', async () => {
  const dir = tempDir('thriftgate-wbs-store-')
  const store = await IndexStore.open(dir.path, [{ name: 'User', pkType: 'i64', indexes: [{ name: 'email', type: 'string', unique: true }] }])
  try {
    assert.equal(writeBufferSizeIn(dir.path), 16 * 1024 * 1024)
  } finally {
    await store.close()
  }
})
