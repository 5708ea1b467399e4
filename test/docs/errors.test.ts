// docs/errors.md lists every TG_ERR_ code that appears in proxy/, and every typed error class an
// area's errors.ts (or a module in otherErrorModules) exports is a ThriftgateError with a stable
// string code.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { test } from 'node:test'
import { ThriftgateError } from '../../proxy/errors/index.js'
import { CodecError, CodecErrorCode } from '../../proxy/codec/index.js'
import { ConfigError, IdlError } from '../../proxy/config/index.js'
import { ProxyError, ProxyErrorCode, UpstreamError } from '../../proxy/core/errors.js'
import { CacheError, CacheErrorCode } from '../../proxy/cache/errors.js'
import { IndexError, IndexErrorCode } from '../../proxy/index/errors.js'
import { K8sError, K8sErrorCode } from '../../proxy/k8s/errors.js'
import { StartupAbortedError } from '../../proxy/cli/signals.js'
import { DemoCallError } from '../../proxy/cli/commands/demo-client.js'
import { ThriftCallTimeoutError, ThriftClientClosedError } from '../../proxy/demo/thrift-client.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    if (e === 'gen' || e === 'node_modules') continue
    if (statSync(p).isDirectory()) sources(p, out)
    else if (p.endsWith('.ts')) out.push(p)
  }
  return out
}

test('every error code is documented', () => {
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
  const codes = new Set<string>()
  for (const f of sources(join(root, 'proxy'))) for (const m of readFileSync(f, 'utf8').matchAll(/'(TG_ERR_[A-Z0-9_]+)'/g)) codes.add(m[1] ?? '')
  assert.ok(codes.size > 20)
  const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``)).sort()
  assert.deepEqual(missing, [], 'add these codes to docs/errors.md')
})

// One instance of each typed error class, built as its area builds it.
const samples: Record<string, () => Error> = {
  CodecError: () => new CodecError(CodecErrorCode.TRUNCATED, 'cut short'),
  ConfigError: () => new ConfigError([{ path: 'listen', problem: 'expected host:port' }], 'thriftgate.yaml'),
  IdlError: () => new IdlError('user.thrift:3: unknown type Foo', ['user.thrift:3']),
  ProxyError: () => new ProxyError(ProxyErrorCode.POOL_FULL, 'pool full'),
  UpstreamError: () => new UpstreamError('127.0.0.1:9090', 'refused'),
  CacheError: () => new CacheError(CacheErrorCode.BAD_RULE, 'bad rule'),
  IndexError: () => new IndexError(IndexErrorCode.LOCKED, 'locked'),
  K8sError: () => new K8sError(K8sErrorCode.BAD_MANIFEST, 'bad manifest'),
  StartupAbortedError: () => new StartupAbortedError('SIGTERM'),
  DemoCallError: () => new DemoCallError('unknown method "nope"'),
  ThriftClientClosedError: () => new ThriftClientClosedError('connection is closed'),
  ThriftCallTimeoutError: () => new ThriftCallTimeoutError('S.m got no reply within 10ms'),
}

// Typed errors that live beside the one thing that throws them instead of in an errors.ts.
const otherErrorModules = ['proxy/cli/signals.ts', 'proxy/cli/commands/demo-client.ts', 'proxy/demo/thrift-client.ts']

test('every typed error class is a ThriftgateError with a string code', async () => {
  // Every Error subclass an area's errors.ts (or a module listed above) exports must have a sample
  // above, so a new class that forgets the base (or a new area's errors.ts) fails here rather than
  // in production logs.
  const exported: string[] = []
  const checked = (p: string): boolean => basename(p) === 'errors.ts' || otherErrorModules.includes(relative(root, p))
  for (const f of sources(join(root, 'proxy')).filter(checked)) {
    const mod = (await import(pathToFileURL(f).href)) as Record<string, unknown>
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v === 'function' && v.prototype instanceof Error) {
        exported.push(name)
        assert.ok(v.prototype instanceof ThriftgateError, `${relative(root, f)}: ${name} does not extend ThriftgateError`)
      }
    }
  }
  assert.deepEqual(exported.sort(), Object.keys(samples).sort(), 'give each exported error class a sample')
  for (const [name, make] of Object.entries(samples)) {
    const e = make()
    assert.ok(e instanceof ThriftgateError, name)
    // each area names its errors (a subclass may keep its parent's: UpstreamError is a ProxyError)
    assert.ok(e.name !== 'Error' && e.name !== 'ThriftgateError', `${name}.name is ${e.name}`)
    assert.equal(typeof e.code, 'string', name)
    assert.match(e.code, /^TG_ERR_[A-Z0-9_]+$/, name)
  }
})
