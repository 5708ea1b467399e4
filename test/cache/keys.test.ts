import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { MessageSplitter, type Message } from '../../proxy/codec/index.js'
import { keyForCall } from '../../proxy/cache/keys.js'
import { buildRules } from '../../proxy/cache/rules.js'
import { invalidationsFor } from '../../proxy/cache/write-targets.js'
import { loadConfig } from '../../proxy/config/index.js'
import { captureUserClientBytes, i64, type PeerDialect, type UserClient } from '../support/thrift-peers.js'
import { tempDir } from '../support/tmp.js'
import { DEFAULT_SERVICES, IDL } from './harness.js'

function rules() {
  const dir = tempDir('tg-keys-')
  const file = join(dir.path, 'c.yaml')
  writeFileSync(file, `upstream: 127.0.0.1:1\nidl: ["${IDL}"]\n${DEFAULT_SERVICES}`)
  const cfg = loadConfig({ file, env: {} })
  return buildRules(cfg.services, cfg.idl.model)
}

async function call(d: PeerDialect, f: (c: UserClient) => unknown): Promise<Message> {
  const bytes = await captureUserClientBytes(d, f)
  const out: Message[] = []
  new MessageSplitter().push(bytes, (m) => out.push(m))
  assert.equal(out.length, 1)
  return out[0] as Message
}

const DIALECTS: PeerDialect[] = [
  { transport: 'framed', protocol: 'binary' },
  { transport: 'framed', protocol: 'compact' },
  { transport: 'buffered', protocol: 'compact' },
  { transport: 'header', protocol: 'binary' },
  { transport: 'header', protocol: 'compact', multiplexed: true },
]

describe('cache keys', () => {
  const r = rules()
  const getUser = r.reads.get('getUser')
  assert.ok(getUser)

  test('the key an invalidation builds equals the key of a real call, in every dialect', async () => {
    const keys = new Set<string>()
    for (const d of DIALECTS) {
      const get = await call(d, (c) => c.getUser(i64(5n)))
      const put = await call(d, (c) => c.putUser({ id: i64(5n), name: 'n', email: 'e', age: 3, tags: ['b', 'a'] }))
      const del = await call(d, (c) => c.deleteUser(i64(5n)))
      const rule = r.reads.get(get.name)
      assert.ok(rule, `rule for ${get.name}`)
      const k = keyForCall(rule, get)
      keys.add(k.local)
      for (const w of [put, del]) {
        const wr = r.writes.get(w.name)
        assert.ok(wr, `write rule for ${w.name}`)
        const items = invalidationsFor(wr, w)
        const target = items.find((it) => it.kind === 'key')
        assert.ok(target !== undefined && target.kind === 'key')
        assert.equal(target.key.local, k.local, `${w.name} in ${JSON.stringify(d)} names the getUser key`)
        assert.ok(items.some((it) => it.kind === 'method' && it.rule.method === 'countUsers'))
      }
    }
    // binary and compact, framed/unframed/header: one key for one logical call
    assert.equal(keys.size, 1)
  })

  test('different arguments give different keys', async () => {
    const d: PeerDialect = { transport: 'framed', protocol: 'binary' }
    const a = keyForCall(getUser, await call(d, (c) => c.getUser(i64(5n))))
    const b = keyForCall(getUser, await call(d, (c) => c.getUser(i64(6n))))
    assert.notEqual(a.local, b.local)
  })

  test('a write whose bound value is absent invalidates the whole method', async () => {
    const put = await call({ transport: 'framed', protocol: 'binary' }, (c) => c.putUser({ name: 'no id' } as never))
    const wr = r.writes.get('putUser')
    assert.ok(wr)
    const items = invalidationsFor(wr, put)
    assert.ok(items.some((it) => it.kind === 'method' && it.rule.method === 'getUser'))
  })
})
