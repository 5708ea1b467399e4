// The injection planner over real-world pod specs: each case compares the JSON patch with the one
// expected, then applies it and validates the resulting Pod against the Kubernetes schema.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  K8sError,
  applyJsonPatch,
  defaultInjectOptions,
  planInjection,
  sidecarContainer,
  type InjectOptions,
  type JsonPatchOp,
} from '../../proxy/k8s/index.js'
import { validateResource } from './support/k8s-schema.js'

const FIXTURES = join(import.meta.dirname, 'fixtures', 'pods')
const pod = (name: string): Record<string, unknown> => parse(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8')) as Record<string, unknown>
const webhook = { requireOptIn: true, where: 'Pod test' }
const offline = { requireOptIn: false, where: 'Pod test' }

const volumes = (configMap: string): unknown[] => [
  { name: 'thriftgate-config', configMap: { name: configMap } },
  { name: 'thriftgate-data', emptyDir: { sizeLimit: '1Gi' } },
]
const scrape = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' }

function injected(name: string, options: InjectOptions = defaultInjectOptions, ctx = webhook): { patch: JsonPatchOp[]; result: Record<string, any>; warnings: string[] } {
  const source = pod(name)
  const plan = planInjection(source, options, ctx)
  assert.equal(plan.kind, 'inject', plan.kind === 'skip' ? plan.message : '')
  if (plan.kind !== 'inject') throw new Error('unreachable')
  return { patch: plan.patch, result: applyJsonPatch(source, plan.patch), warnings: plan.warnings }
}

describe('planInjection', () => {
  test('single container: the sidecar becomes the first init container, volumes and metadata are added', async () => {
    const { patch, result } = injected('single-container')
    assert.deepEqual(patch, [
      { op: 'add', path: '/spec/initContainers', value: [sidecarContainer(defaultInjectOptions)] },
      { op: 'add', path: '/spec/volumes/-', value: volumes('thriftgate-config')[0] },
      { op: 'add', path: '/spec/volumes/-', value: volumes('thriftgate-config')[1] },
      { op: 'add', path: '/metadata/annotations', value: { 'thriftgate.io/status': 'injected', ...scrape } },
      { op: 'add', path: '/metadata/labels/thriftgate.io~1proxied', value: 'true' },
    ])
    assert.equal(result.spec.initContainers[0].restartPolicy, 'Always')
    assert.deepEqual(result.spec.containers, (pod('single-container') as any).spec.containers, 'the app is untouched')
    await validateResource(result, 'injected single-container')
  })

  test('multi-container, opted in by annotation: config from the annotation, the app\'s scrape annotations kept', async () => {
    const { patch, result } = injected('multi-container')
    assert.deepEqual(patch, [
      { op: 'add', path: '/spec/initContainers', value: [sidecarContainer({ ...defaultInjectOptions, configMap: 'orders-thriftgate' })] },
      { op: 'add', path: '/spec/volumes/-', value: volumes('orders-thriftgate')[0] },
      { op: 'add', path: '/spec/volumes/-', value: volumes('orders-thriftgate')[1] },
      // prometheus.io/* already set by the app: only our status is added
      { op: 'add', path: '/metadata/annotations/thriftgate.io~1status', value: 'injected' },
      { op: 'add', path: '/metadata/labels/thriftgate.io~1proxied', value: 'true' },
    ])
    // The exporter's UDP 9464 does not collide with the proxy's TCP 9464.
    assert.deepEqual(result.spec.containers.map((c: any) => c.name), ['orders', 'fluent-bit', 'exporter'])
    assert.equal(result.metadata.annotations['prometheus.io/port'], '9102')
    await validateResource(result, 'injected multi-container')
  })

  test('existing init containers run first; the sidecar is appended after them with the annotated port and upstream', async () => {
    const { patch, result } = injected('init-containers')
    const expected = sidecarContainer({ ...defaultInjectOptions, proxyPort: 7912, upstream: '127.0.0.1:7911' })
    assert.deepEqual(patch[0], { op: 'add', path: '/spec/initContainers/-', value: expected })
    assert.deepEqual(result.spec.initContainers.map((c: any) => c.name), ['migrate', 'render-config', 'thriftgate'])
    const env = Object.fromEntries(result.spec.initContainers[2].env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]))
    assert.deepEqual(env, { THRIFTGATE_LISTEN: '0.0.0.0:7912', THRIFTGATE_ADMIN: '0.0.0.0:9464', THRIFTGATE_ADMIN_WITHOUT_TOKEN: 'read-only', THRIFTGATE_UPSTREAM: '127.0.0.1:7911' })
    await validateResource(result, 'injected init-containers')
  })

  test('already injected: nothing to do, so injection is idempotent', () => {
    assert.deepEqual(planInjection(pod('already-injected'), defaultInjectOptions, webhook), {
      kind: 'skip',
      reason: 'already-injected',
      message: 'Pod test: already has the thriftgate sidecar (initContainers)',
    })
    for (const name of ['single-container', 'multi-container', 'init-containers', 'job-legacy']) {
      const once = injected(name).result
      const again = planInjection(once, defaultInjectOptions, webhook)
      assert.equal(again.kind === 'skip' && again.reason, 'already-injected', name)
    }
  })

  test('host network: skipped with the reason', () => {
    const plan = planInjection(pod('host-network'), defaultInjectOptions, webhook)
    assert.equal(plan.kind, 'skip')
    assert.equal(plan.kind === 'skip' && plan.reason, 'host-network')
    assert.match(plan.kind === 'skip' ? plan.message : '', /hostNetwork/)
  })

  test('a container already on the proxy port: refused, naming the container and the fix', () => {
    assert.throws(
      () => planInjection(pod('port-conflict'), defaultInjectOptions, webhook),
      (err: unknown) =>
        err instanceof K8sError &&
        err.code === 'TG_ERR_INJECT_PORT_CONFLICT' &&
        /container "server" \(containers\) already uses port 9190, the sidecar's proxy port/.test(err.message) &&
        /thriftgate\.io\/port/.test(err.message),
    )
    // The same pod with the proxy moved elsewhere is fine.
    const moved = pod('port-conflict') as any
    moved.metadata.annotations = { 'thriftgate.io/port': '9191' }
    assert.equal(planInjection(moved, defaultInjectOptions, webhook).kind, 'inject')
    // Admin port taken (TCP by default).
    const admin = pod('not-requested') as any
    admin.spec.containers[0].ports = [{ containerPort: 9464 }]
    assert.throws(() => planInjection(admin, defaultInjectOptions, offline), { code: 'TG_ERR_INJECT_PORT_CONFLICT' })
  })

  test('legacy mode for a pod that runs to completion: injected as a regular container, with a warning', async () => {
    const { patch, result, warnings } = injected('job-legacy')
    assert.deepEqual(patch[0], { op: 'add', path: '/spec/containers/-', value: sidecarContainer({ ...defaultInjectOptions, mode: 'legacy' }) })
    assert.equal(result.spec.containers[1].lifecycle.preStop.exec.command[0], 'node')
    assert.equal(result.spec.containers[1].restartPolicy, undefined)
    assert.equal(warnings.length, 1)
    assert.match(warnings[0] ?? '', /never completes/)
    await validateResource(result, 'injected job-legacy')
  })

  test('opt-in: the webhook needs it, offline injection does not; "false" always wins', async () => {
    assert.equal(planInjection(pod('not-requested'), defaultInjectOptions, webhook).kind, 'skip')
    const { result } = injected('not-requested', defaultInjectOptions, offline)
    await validateResource(result, 'offline not-requested')
    for (const ctx of [webhook, offline]) {
      const plan = planInjection(pod('opted-out'), defaultInjectOptions, ctx)
      assert.equal(plan.kind === 'skip' && plan.reason, 'opted-out')
    }
  })

  test('a template without metadata gets metadata', () => {
    const source = { spec: { containers: [{ name: 'a', image: 'a' }] } }
    const plan = planInjection(source, defaultInjectOptions, offline)
    assert.equal(plan.kind, 'inject')
    if (plan.kind !== 'inject') return
    const out = applyJsonPatch(source, plan.patch) as any
    assert.deepEqual(out.metadata, { annotations: { 'thriftgate.io/status': 'injected', ...scrape }, labels: { 'thriftgate.io/proxied': 'true' } })
  })

  test('bad annotations and malformed specs are clear errors, never crashes', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ metadata: { labels: { 'thriftgate.io/inject': 'yes' } }, spec: { containers: [{ name: 'a' }] } }, 'TG_ERR_INJECT_BAD_OPTION', /use "true" or "false"/],
      [{ metadata: { annotations: { 'thriftgate.io/port': '70000' } }, spec: { containers: [{ name: 'a' }] } }, 'TG_ERR_INJECT_BAD_OPTION', /thriftgate\.io\/port.*not a port/],
      [{ metadata: { annotations: { 'thriftgate.io/port': '9464' } }, spec: { containers: [{ name: 'a' }] } }, 'TG_ERR_INJECT_BAD_OPTION', /both 9464/],
      [{ metadata: { annotations: { 'thriftgate.io/sidecar-mode': 'sometimes' } }, spec: { containers: [{ name: 'a' }] } }, 'TG_ERR_INJECT_BAD_OPTION', /not a sidecar mode/],
      [{ metadata: { annotations: { 'thriftgate.io/config': 'Not_A_Name' } }, spec: { containers: [{ name: 'a' }] } }, 'TG_ERR_INJECT_BAD_OPTION', /not a valid ConfigMap name/],
      [{ metadata: { annotations: { 'thriftgate.io/upstream': 'nowhere' } }, spec: { containers: [{ name: 'a' }] } }, 'TG_ERR_INJECT_BAD_OPTION', /not host:port/],
      [{ spec: { containers: [] } }, 'TG_ERR_INJECT_BAD_POD_SPEC', /containers: is empty/],
      [{ spec: {} }, 'TG_ERR_INJECT_BAD_POD_SPEC', /containers: is missing/],
      [{ spec: { containers: [{ image: 'x' }] } }, 'TG_ERR_INJECT_BAD_POD_SPEC', /containers\[0\]\.name/],
      [{ spec: { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] } }, 'TG_ERR_INJECT_BAD_POD_SPEC', /ports\[0\]\.containerPort/],
      [{ metadata: { annotations: { a: 1 } }, spec: { containers: [{ name: 'a' }] } }, 'TG_ERR_INJECT_BAD_POD_SPEC', /annotations\.a: must be a string/],
      [{ spec: { containers: [{ name: 'a', ports: [{ name: 'tg-proxy', containerPort: 1 }] }] } }, 'TG_ERR_INJECT_NAME_CONFLICT', /port named "tg-proxy"/],
      [{ spec: { containers: [{ name: 'a' }], volumes: [{ name: 'thriftgate-data' }] } }, 'TG_ERR_INJECT_NAME_CONFLICT', /volume named "thriftgate-data"/],
      ['a string', 'TG_ERR_INJECT_BAD_POD_SPEC', /must be a map/],
      [null, 'TG_ERR_INJECT_BAD_POD_SPEC', /must be a map/],
    ]
    for (const [spec, code, message] of cases) {
      assert.throws(() => planInjection(spec, defaultInjectOptions, offline), (err: unknown) => {
        assert.ok(err instanceof K8sError, `${JSON.stringify(spec)}: ${String(err)}`)
        assert.equal(err.code, code, err.message)
        assert.match(err.message, message)
        return true
      })
    }
  })
})
