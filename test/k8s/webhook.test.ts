// The admission webhook over real HTTPS: AdmissionReview fixtures in, JSON patches out; malformed
// requests get a clear error response and the server keeps serving; a rotated certificate is picked up.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { connect as tlsConnect } from 'node:tls'
import { connect as tcpConnect } from 'node:net'
import { join } from 'node:path'
import { X509Certificate } from 'node:crypto'
import { parse } from 'yaml'
import { K8sError, WebhookServer, applyJsonPatch, defaultInjectOptions, planInjection, type JsonPatchOp } from '../../proxy/k8s/index.js'
import { validateResource } from './support/k8s-schema.js'
import { tempDir } from '../support/tmp.js'
import { makeCert, type TestCert } from './support/tls.js'

const FIXTURES = join(import.meta.dirname, 'fixtures')
const createPodReview = JSON.parse(readFileSync(join(FIXTURES, 'admission', 'create-pod.json'), 'utf8'))

interface Reply {
  status: number
  body: any
}

function call(port: number, ca: Buffer, opts: { method?: string; path?: string; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/mutate', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) })
        })
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** An AdmissionReview for CREATE of the given pod, shaped like the fixture the API server sent. */
function reviewOf(pod: unknown, patch: Record<string, unknown> = {}): string {
  const r = structuredClone(createPodReview)
  r.request.object = pod
  r.request.uid = `uid-${Math.random().toString(16).slice(2)}`
  Object.assign(r.request, patch)
  return JSON.stringify(r)
}
const fixturePod = (name: string): unknown => parse(readFileSync(join(FIXTURES, 'pods', `${name}.yaml`), 'utf8'))
const decodePatch = (b64: string): JsonPatchOp[] => JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))

describe('thriftgate webhook over HTTPS', () => {
  const dir = tempDir('tg-webhook-')
  let cert: TestCert
  let server: WebhookServer
  let port: number
  const post = (body: string | Buffer, path = '/mutate'): Promise<Reply> => call(port, cert.cert, { body, path })

  before(async () => {
    cert = makeCert(dir.path)
    server = new WebhookServer({ host: '127.0.0.1', port: 0, certFile: cert.certFile, keyFile: cert.keyFile, inject: defaultInjectOptions, maxBodyBytes: 1024 * 1024 })
    port = (await server.listen()).port
  })
  after(async () => {
    await server.close()
    dir.cleanup()
  })

  test('a labelled pod from a ReplicaSet gets the sidecar patch, which yields a valid Pod', async () => {
    const r = await post(JSON.stringify(createPodReview))
    assert.equal(r.status, 200)
    assert.equal(r.body.apiVersion, 'admission.k8s.io/v1')
    assert.equal(r.body.kind, 'AdmissionReview')
    assert.equal(r.body.response.uid, createPodReview.request.uid)
    assert.equal(r.body.response.allowed, true)
    assert.equal(r.body.response.patchType, 'JSONPatch')
    const patch = decodePatch(r.body.response.patch)
    const plan = planInjection(createPodReview.request.object, defaultInjectOptions, { requireOptIn: true, where: 'x' })
    assert.deepEqual(patch, plan.kind === 'inject' ? plan.patch : undefined, 'the same patch as offline injection')
    assert.deepEqual(patch.map((op) => op.path), ['/spec/initContainers', '/spec/volumes/-', '/spec/volumes/-', '/metadata/annotations', '/metadata/labels/thriftgate.io~1proxied'])
    const pod = applyJsonPatch(createPodReview.request.object, patch)
    delete pod.metadata.creationTimestamp // null in the request, as the API server sends it before setting it
    await validateResource(pod, 'patched pod')
    // The API server calls again when another webhook changed the pod (reinvocationPolicy IfNeeded).
    const again = await post(reviewOf(applyJsonPatch(createPodReview.request.object, patch)))
    assert.deepEqual(again.body.response, { uid: again.body.response.uid, allowed: true })
  })

  test('pods that did not ask, opted out, or are not pod CREATEs are allowed unchanged', async () => {
    for (const body of [
      reviewOf(fixturePod('not-requested')),
      reviewOf(fixturePod('opted-out')),
      reviewOf(fixturePod('single-container'), { operation: 'UPDATE' }),
      reviewOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }, { kind: { group: '', version: 'v1', kind: 'Service' } }),
    ]) {
      const r = await post(body)
      assert.equal(r.status, 200)
      assert.deepEqual(Object.keys(r.body.response).sort(), ['allowed', 'uid'])
      assert.equal(r.body.response.allowed, true)
    }
  })

  test('an annotated pod is injected with the ConfigMap it names', async () => {
    const r = await post(reviewOf(fixturePod('multi-container')))
    const patch = decodePatch(r.body.response.patch)
    assert.deepEqual(patch[1], { op: 'add', path: '/spec/volumes/-', value: { name: 'thriftgate-config', configMap: { name: 'orders-thriftgate' } } })
  })

  test('a pod that asked for the sidecar but has a container on its port is denied with the reason', async () => {
    const r = await post(reviewOf(fixturePod('port-conflict')))
    assert.equal(r.status, 200)
    assert.equal(r.body.response.allowed, false)
    assert.equal(r.body.response.patch, undefined)
    assert.equal(r.body.response.status.code, 400)
    assert.match(r.body.response.status.message, /TG_ERR_INJECT_PORT_CONFLICT.*Pod shop\/legacy-thrift-0: container "server"/)
    const bad = await post(reviewOf({ metadata: { labels: { 'thriftgate.io/inject': 'yes' } }, spec: { containers: [{ name: 'a' }] } }))
    assert.equal(bad.body.response.allowed, false)
    assert.match(bad.body.response.status.message, /TG_ERR_INJECT_BAD_OPTION/)
  })

  test('host-network pods and legacy sidecars in run-to-completion pods come back with warnings', async () => {
    const host = await post(reviewOf(fixturePod('host-network')))
    assert.equal(host.body.response.allowed, true)
    assert.equal(host.body.response.patch, undefined)
    assert.match(host.body.response.warnings[0], /^thriftgate: .*hostNetwork/)
    const job = await post(reviewOf(fixturePod('job-legacy')))
    assert.equal(job.body.response.allowed, true)
    assert.match(job.body.response.warnings[0], /never completes/)
  })

  test('malformed requests get a clear error response, never a crash', async () => {
    const cases: Array<[string | Buffer, number, RegExp]> = [
      ['', 400, /not JSON/],
      ['{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": ', 400, /not JSON/],
      [Buffer.from([0xff, 0xfe, 0x00, 0x7b]), 400, /not JSON/],
      ['[]', 400, /not an AdmissionReview/],
      ['null', 400, /not an AdmissionReview/],
      ['{"kind": "Pod"}', 400, /not an AdmissionReview/],
      [JSON.stringify({ ...createPodReview, apiVersion: 'admission.k8s.io/v1beta1' }), 400, /v1beta1.*not supported/],
      [JSON.stringify({ ...createPodReview, request: undefined }), 400, /no request\.uid/],
      [JSON.stringify({ ...createPodReview, request: { ...createPodReview.request, uid: 42 } }), 400, /no request\.uid/],
      [reviewOf(null), 400, /request\.object is not a valid Pod/],
      [reviewOf({ metadata: { labels: { 'thriftgate.io/inject': 'true' } }, spec: { containers: 'app' } }), 400, /containers: must be a list/],
      [reviewOf({ metadata: { labels: { 'thriftgate.io/inject': 'true' } }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 1e400 }] }] } }), 400, /request\.object is not a valid Pod|not a port/],
    ]
    for (const [body, status, message] of cases) {
      const r = await post(body)
      assert.equal(r.status, status, `${String(body).slice(0, 60)}: ${JSON.stringify(r.body)}`)
      assert.equal(r.body.error.code, 'TG_ERR_INJECT_BAD_REVIEW')
      assert.match(r.body.error.message, message)
    }
    assert.equal((await call(port, cert.cert, { method: 'GET' })).status, 405)
    assert.equal((await call(port, cert.cert, { path: '/inject', body: '{}' })).status, 404)
    assert.equal((await post(Buffer.alloc(2 * 1024 * 1024, 0x20))).status, 413)
    // Still serving.
    assert.equal((await post(JSON.stringify(createPodReview))).body.response.allowed, true)
    assert.deepEqual((await call(port, cert.cert, { method: 'GET', path: '/healthz' })).body, { status: 'ok' })
  })

  test('plain TCP garbage and plain HTTP on the TLS port do not hurt the server', async () => {
    await new Promise<void>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1', () => s.end('GET /mutate HTTP/1.1\r\nHost: x\r\n\r\n'))
      s.on('close', () => resolve())
      s.on('error', () => resolve())
      s.resume()
    })
    await new Promise<void>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: cert.cert, servername: 'localhost' }, () => s.end('NOT HTTP\r\n\r\n'))
      s.on('close', () => resolve())
      s.on('error', () => resolve())
      s.resume()
    })
    assert.equal((await call(port, cert.cert, { method: 'GET', path: '/healthz' })).status, 200)
  })

  test('a rotated certificate is served to new connections', async () => {
    const fingerprint = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '')
          s.end()
        })
        s.on('error', reject)
      })
    const before = await fingerprint()
    assert.equal(before, new X509Certificate(cert.cert).fingerprint256)
    assert.equal(server.reloadTls(), false, 'unchanged files: nothing to do')
    const next = makeCert(dir.path, 'next')
    copyFileSync(next.keyFile, cert.keyFile)
    copyFileSync(next.certFile, cert.certFile)
    assert.equal(server.reloadTls(), true)
    assert.equal(await fingerprint(), new X509Certificate(next.cert).fingerprint256)
    cert = { ...cert, cert: next.cert }
    // A half-written pair (garbage) keeps the current certificate.
    writeFileSync(cert.certFile, 'not a certificate')
    assert.equal(server.reloadTls(), false)
    assert.equal(await fingerprint(), new X509Certificate(next.cert).fingerprint256)
    assert.equal((await post(JSON.stringify(createPodReview))).status, 200)
  })

  test('the certificate gen-certs.sh makes is served and verifies for the Service DNS name, as the API server checks it', async () => {
    const out = join(dir.path, 'gen-certs')
    const r = spawnSync('bash', [join(import.meta.dirname, '..', '..', 'deploy', 'k8s', 'webhook', 'gen-certs.sh')], { env: { ...process.env, OUT_DIR: out }, encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, r.stderr)
    const generated = new WebhookServer({ host: '127.0.0.1', port: 0, certFile: join(out, 'tls.crt'), keyFile: join(out, 'tls.key'), inject: defaultInjectOptions })
    const { port: p } = await generated.listen()
    try {
      const ca = readFileSync(join(out, 'ca.crt'))
      // The API server dials the Service and checks the name thriftgate-webhook.thriftgate-system.svc.
      const reply = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: p, method: 'POST', path: '/mutate', ca, servername: 'thriftgate-webhook.thriftgate-system.svc' }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        })
        req.on('error', reject)
        req.end(JSON.stringify(createPodReview))
      })
      assert.equal(reply, 200)
      await assert.rejects(
        new Promise((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: p, method: 'GET', path: '/healthz', ca, servername: 'another-service.default.svc' }, resolve)
          req.on('error', reject)
          req.end()
        }),
        /altnames/i,
      )
    } finally {
      await generated.close()
    }
  })

  test('unreadable or unusable TLS files are a clear error at startup', () => {
    assert.throws(
      () => new WebhookServer({ host: '127.0.0.1', port: 0, certFile: join(dir.path, 'missing.crt'), keyFile: join(dir.path, 'missing.key'), inject: defaultInjectOptions }),
      (e: unknown) => e instanceof K8sError && e.code === 'TG_ERR_INJECT_TLS' && /missing\.crt/.test(e.message),
    )
    const junk = join(dir.path, 'junk.pem')
    writeFileSync(junk, 'junk')
    assert.throws(() => new WebhookServer({ host: '127.0.0.1', port: 0, certFile: junk, keyFile: junk, inject: defaultInjectOptions }), { code: 'TG_ERR_INJECT_TLS' })
  })
})
