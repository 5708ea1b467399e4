// `thriftgate webhook`: the real CLI serving AdmissionReview over HTTPS, and stopping cleanly on SIGTERM.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parseAllDocuments } from 'yaml'
import { tempDir } from '../support/tmp.js'
import { makeCert } from '../k8s/support/tls.js'
import { REPO, runCli, spawnCli } from './spawn.js'

const review = readFileSync(join(REPO, 'test/k8s/fixtures/admission/create-pod.json'), 'utf8')

function post(port: number, ca: Buffer, body: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mutate', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('thriftgate webhook', () => {
  test('runs with the arguments of deploy/k8s/webhook, serves AdmissionReviews, and exits 0 on SIGTERM', async () => {
    const dir = tempDir('tg-webhook-cli-')
    const cert = makeCert(dir.path)
    // The Deployment's own args, with the mounted Secret's files and the listen address mapped to the test's.
    const deployment = parseAllDocuments(readFileSync(join(REPO, 'deploy/k8s/webhook/deployment.yaml'), 'utf8'))[0]?.toJS() as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }
    const args = (deployment.spec.template.spec.containers[0]?.args ?? []).map((a) =>
      a.startsWith('--listen=') ? '--listen=127.0.0.1:0' : a.startsWith('--tls-cert=') ? `--tls-cert=${cert.certFile}` : a.startsWith('--tls-key=') ? `--tls-key=${cert.keyFile}` : a,
    )
    assert.equal(args[0], 'webhook')
    const child = spawnCli([...args, '--sidecar-image=thriftgate:test', '--mode=legacy'])
    let stdout = ''
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "webhook listening" within 20 s: ${stderr}`)), 20_000)
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        stdout += d
        const line = stdout.split('\n').find((l) => l.includes('"webhook listening"'))
        if (line !== undefined) {
          clearTimeout(timer)
          resolve((JSON.parse(line) as { port: number }).port)
        }
      })
    })
    const r = await post(port, cert.cert, review)
    assert.equal(r.status, 200)
    assert.equal(r.body.response.allowed, true)
    const patch = JSON.parse(Buffer.from(r.body.response.patch, 'base64').toString('utf8'))
    assert.equal(patch[0].path, '/spec/containers/-')
    assert.equal(patch[0].value.image, 'thriftgate:test')
    child.kill('SIGTERM')
    assert.equal(await exited, 0, stderr)
    assert.match(stdout, /"injected Pod shop\/user-service-7d9c5b6f4-\*/)
    dir.cleanup()
  })

  test('unusable TLS files or listen address: a clear error, exit 1', async () => {
    const dir = tempDir('tg-webhook-cli-')
    const missing = await runCli(['webhook', '--listen', '127.0.0.1:0', '--tls-cert', join(dir.path, 'no.crt'), '--tls-key', join(dir.path, 'no.key')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^error TG_ERR_INJECT_TLS: cannot read the webhook certificate .*no\.crt/m)
    const cert = makeCert(dir.path)
    const badListen = await runCli(['webhook', '--listen', 'everywhere', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile])
    assert.equal(badListen.code, 1)
    assert.match(badListen.stderr, /TG_ERR_INJECT_BAD_OPTION: --listen: "everywhere" is not HOST:PORT/)
    dir.cleanup()
  })
})
