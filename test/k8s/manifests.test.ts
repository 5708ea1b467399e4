// deploy/k8s: every manifest validates against the Kubernetes API schemas, every kustomize layout builds
// (where kubectl is installed) into valid objects, the example sidecars are exactly what injection
// produces, the configs they mount load, and the webhook configuration cannot lock a cluster out.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import { loadConfig } from '../../proxy/config/index.js'
import { defaultInjectOptions, sidecarContainer, type Container } from '../../proxy/k8s/index.js'
import { unknownFields, validateResource, type Located } from './support/k8s-schema.js'

const ROOT = join(import.meta.dirname, '..', '..')
const DEPLOY = join(ROOT, 'deploy', 'k8s')

type Obj = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- walking parsed YAML

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => (statSync(join(dir, e)).isDirectory() ? walk(join(dir, e)) : [join(dir, e)]))
}

const layouts = readdirSync(DEPLOY)
  .filter((d) => statSync(join(DEPLOY, d)).isDirectory() && statSync(join(DEPLOY, d, 'kustomization.yaml'), { throwIfNoEntry: false })?.isFile())
  .sort()

/** Files kustomizations use as patches or generator inputs are not resources of their own. */
function nonResourceFiles(): Set<string> {
  const out = new Set<string>()
  for (const l of layouts) {
    const k = parse(readFileSync(join(DEPLOY, l, 'kustomization.yaml'), 'utf8')) as Obj
    for (const p of k.patches ?? []) if (typeof p.path === 'string') out.add(join(DEPLOY, l, p.path))
    for (const g of k.configMapGenerator ?? []) for (const f of g.files ?? []) out.add(join(DEPLOY, l, String(f)))
  }
  return out
}

function docsOf(text: string, where: string): Obj[] {
  return parseAllDocuments(text).flatMap((d, i) => {
    assert.equal(d.errors.length, 0, `${where} document ${i + 1}: ${d.errors[0]?.message}`)
    const v = d.toJS() as Obj | null
    return v === null ? [] : [v]
  })
}

const kustomized = new Map<string, { ok: true; objects: Obj[] } | { ok: false; why: string }>()

/** `kubectl kustomize`, once per layout (the tests only read the result). */
function kustomize(layout: string): { ok: true; objects: Obj[] } | { ok: false; why: string } {
  let b = kustomized.get(layout)
  if (b === undefined) kustomized.set(layout, (b = runKustomize(layout)))
  return b
}

// `kubectl kustomize DIR`, or the standalone `kustomize build DIR`: the same engine.
function runKustomize(layout: string): { ok: true; objects: Obj[] } | { ok: false; why: string } {
  for (const [cmd, args] of [['kubectl', ['kustomize']], ['kustomize', ['build']]] as const) {
    const r = spawnSync(cmd, [...args, join(DEPLOY, layout)], { encoding: 'utf8', timeout: 60_000 })
    if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ENOENT') continue
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')} ${layout} failed: ${r.stderr}`)
    return { ok: true, objects: docsOf(r.stdout, `kustomize ${layout}`) }
  }
  return { ok: false, why: 'neither kubectl nor kustomize is installed' }
}

function find(objects: Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata?.name === name)
  assert.ok(o, `${kind}/${name} not found`)
  return o
}

describe('deploy/k8s manifests', () => {
  test('there are layouts for every variant the docs describe', () => {
    assert.deepEqual(layouts, ['client-side', 'monitoring', 'redis', 'sidecar', 'sidecar-legacy', 'webhook'])
  })

  test('every manifest file validates against the Kubernetes API schemas', async () => {
    const skip = nonResourceFiles()
    const files = walk(DEPLOY).filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml') && !skip.has(f))
    assert.ok(files.length >= 12, `only ${files.length} manifest files found`)
    let count = 0
    for (const f of files) {
      for (const [i, obj] of docsOf(readFileSync(f, 'utf8'), relative(ROOT, f)).entries()) {
        await validateResource(obj, `${relative(ROOT, f)} document ${i + 1}`)
        count++
      }
    }
    assert.ok(count >= 15)
  })

  test('no manifest, as written or as kustomize builds it, has a field the Kubernetes API does not know', (t) => {
    const skip = nonResourceFiles()
    const objects: Located[] = walk(DEPLOY)
      .filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml') && !skip.has(f))
      .flatMap((f) => docsOf(readFileSync(f, 'utf8'), relative(ROOT, f)).map((obj, i) => ({ obj, where: `${relative(ROOT, f)} document ${i + 1}` })))
    for (const layout of layouts) {
      const built = kustomize(layout)
      if (!built.ok) t.diagnostic(`${built.why}: kustomize output of ${layout} not checked for unknown fields`)
      else objects.push(...built.objects.map((obj) => ({ obj, where: `kustomize ${layout}: ${obj.kind}/${obj.metadata?.name}` })))
    }
    assert.deepEqual(unknownFields(objects), [])
  })

  for (const layout of layouts) {
    test(`kustomize build of ${layout} validates`, async (t) => {
      const built = kustomize(layout)
      if (!built.ok) {
        t.diagnostic(`${built.why}: kustomize output of deploy/k8s/${layout} not checked (install kubectl or kustomize to check it)`)
        return
      }
      assert.ok(built.objects.length > 0)
      for (const obj of built.objects) await validateResource(obj, `kustomize ${layout}: ${obj.kind}/${obj.metadata?.name}`)
    })
  }

  test('the native sidecar example is exactly the container injection adds, fed by the generated ConfigMap', (t) => {
    const built = kustomize('sidecar')
    if (!built.ok) return t.diagnostic(`${built.why}: not checked`)
    const pod = find(built.objects, 'Deployment', 'user-service').spec.template
    const sidecar = (pod.spec.initContainers as Container[]).find((c) => c.name === 'thriftgate')
    assert.deepEqual(sidecar, sidecarContainer({ ...defaultInjectOptions, mode: 'native' }))
    const cm = built.objects.find((o) => o.kind === 'ConfigMap' && String(o.metadata.name).startsWith('thriftgate-config'))
    assert.ok(cm, 'generated ConfigMap')
    assert.ok(typeof cm.data['thriftgate.yaml'] === 'string' && typeof cm.data['user.thrift'] === 'string')
    const vol = (pod.spec.volumes as Obj[]).find((v) => v.name === 'thriftgate-config')
    assert.equal(vol?.configMap.name, cm.metadata.name, 'the volume follows the hashed ConfigMap name')
    // Clients reach the proxy, never the app, through the Service.
    assert.equal(find(built.objects, 'Service', 'user-service').spec.ports[0].targetPort, 'tg-proxy')
  })

  test('the legacy overlay is exactly injection in legacy mode (regular container with preStop delay)', (t) => {
    const built = kustomize('sidecar-legacy')
    if (!built.ok) return t.diagnostic(`${built.why}: not checked`)
    const spec = find(built.objects, 'Deployment', 'user-service').spec.template.spec
    assert.equal(spec.initContainers, undefined)
    assert.deepEqual(spec.containers.map((c: Container) => c.name), ['app', 'thriftgate'])
    assert.deepEqual(spec.containers[1], sidecarContainer({ ...defaultInjectOptions, mode: 'legacy' }))
  })

  test('the client-side example holds the app until the proxy is ready and listens on loopback only', () => {
    const dep = parse(readFileSync(join(DEPLOY, 'client-side', 'deployment.yaml'), 'utf8')) as Obj
    const sidecar = (dep.spec.template.spec.initContainers as Container[])[0]
    const expected = sidecarContainer({ ...defaultInjectOptions, holdAppUntilReady: true, configMap: 'thriftgate-client-config' })
    ;(expected.env as Obj[])[0] = { name: 'THRIFTGATE_LISTEN', value: '127.0.0.1:9190' }
    assert.deepEqual(sidecar, expected)
    const app = (dep.spec.template.spec.containers as Obj[])[0] as Obj
    assert.ok(app.env.some((e: Obj) => e.value === '127.0.0.1:9190'), 'the app is pointed at the local proxy')
  })

  test('every thriftgate.yaml in deploy/k8s is a valid thriftgate config and its IDL is the demo IDL', () => {
    const demoIdl = readFileSync(join(ROOT, 'config', 'demo', 'user.thrift'), 'utf8')
    for (const layout of ['sidecar', 'client-side']) {
      const file = join(DEPLOY, layout, 'thriftgate.yaml')
      const cfg = loadConfig({ file, env: {} })
      assert.ok(cfg.cache.redis?.url.startsWith('redis://thriftgate-redis:'), `${layout}: shared tier points at deploy/k8s/redis`)
      assert.equal(readFileSync(join(DEPLOY, layout, 'user.thrift'), 'utf8'), demoIdl, `${layout}/user.thrift is a copy of config/demo/user.thrift`)
    }
  })

  test('the admin port is never open to everyone', () => {
    for (const f of walk(DEPLOY).filter((x) => x.endsWith('.yaml'))) {
      for (const obj of docsOf(readFileSync(f, 'utf8'), f)) {
        if (obj.kind !== 'NetworkPolicy') continue
        for (const rule of obj.spec.ingress ?? []) {
          const admin = (rule.ports ?? []).some((p: Obj) => p.port === 'tg-metrics' || p.port === 9464)
          if (admin) assert.ok(Array.isArray(rule.from) && rule.from.length > 0, `${relative(ROOT, f)}: ${obj.metadata.name} opens the admin port to all`)
          if (rule.from === undefined) assert.ok((rule.ports ?? []).length > 0, `${relative(ROOT, f)}: a rule allowing every port from everywhere`)
        }
      }
    }
  })

  test('the webhook configuration cannot lock a cluster out', () => {
    const mwc = docsOf(readFileSync(join(DEPLOY, 'webhook', 'mutatingwebhook.yaml'), 'utf8'), 'mwc')[0] as Obj
    assert.ok(mwc.webhooks.length >= 1)
    for (const w of mwc.webhooks as Obj[]) {
      assert.equal(w.failurePolicy, 'Ignore', `${w.name}: a down webhook must not block pod creation`)
      assert.equal(w.sideEffects, 'None')
      assert.deepEqual(w.admissionReviewVersions, ['v1'])
      assert.ok(w.timeoutSeconds <= 10)
      assert.deepEqual(w.rules, [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }])
      const excluded = (w.namespaceSelector.matchExpressions as Obj[]).find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn')
      for (const ns of ['kube-system', 'kube-node-lease', 'thriftgate-system']) assert.ok(excluded?.values.includes(ns), `${w.name} excludes ${ns}`)
      assert.ok(w.objectSelector !== undefined, `${w.name}: only pods that opted in`)
      assert.equal(w.clientConfig.service.path, '/mutate')
    }
    const ns = docsOf(readFileSync(join(DEPLOY, 'webhook', 'namespace.yaml'), 'utf8'), 'ns')[0] as Obj
    assert.equal(ns.metadata.name, 'thriftgate-system')
  })
})
