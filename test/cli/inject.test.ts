// `thriftgate inject`: the real CLI over real manifests; stdout is exactly what the library produces.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parseAllDocuments } from 'yaml'
import { defaultInjectOptions, injectManifests } from '../../proxy/k8s/index.js'
import { tempDir } from '../support/tmp.js'
import { REPO, cleanEnv, runCli } from './spawn.js'

const APP = 'test/k8s/fixtures/manifests/app.yaml'
const appSource = readFileSync(join(REPO, APP), 'utf8')

describe('thriftgate inject', () => {
  test('writes the injected manifests to stdout and what it did to stderr', async () => {
    const r = await runCli(['inject', '-f', APP])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, injectManifests(appSource, defaultInjectOptions, APP).output)
    assert.match(r.stderr, /^injected: test\/k8s\/fixtures\/manifests\/app\.yaml: document 3 Deployment\/user-service spec\.template \(native sidecar, ConfigMap thriftgate-config\)$/m)
    assert.match(r.stderr, /^unchanged: .*DaemonSet\/node-agent .*hostNetwork/m)
    assert.match(r.stderr, /^unchanged: .*Job\/backfill .*"false"/m)
  })

  test('flags shape the sidecar the same way the webhook\'s do; -o writes a file; several -f are joined as documents', async () => {
    const dir = tempDir('tg-inject-')
    const second = join(dir.path, 'pod.yaml')
    writeFileSync(second, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: a}]')
    const out = join(dir.path, 'out.yaml')
    const r = await runCli(['inject', '-f', APP, '-f', second, '-o', out, '--mode', 'legacy', '--proxy-port', '7000', '--image', 'registry.test/thriftgate:9'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    const docs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS())
    assert.equal(docs.length, 9)
    const pod = docs[8]
    assert.equal(pod.metadata.name, 'p')
    const sidecar = pod.spec.containers[1]
    assert.equal(sidecar.name, 'thriftgate')
    assert.equal(sidecar.image, 'registry.test/thriftgate:9')
    assert.deepEqual(sidecar.ports[0], { name: 'tg-proxy', containerPort: 7000, protocol: 'TCP' })
    assert.ok(sidecar.lifecycle.preStop)
    assert.match(r.stderr, /warning: .*CronJob\/nightly-reindex.*never completes/)
    dir.cleanup()
  })

  test('reads stdin with -f -', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'proxy/cli/main.ts'), 'inject', '-f', '-'], { cwd: REPO, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stdin.end(appSource)
    const code = await new Promise((resolve) => child.on('close', resolve))
    assert.equal(code, 0)
    assert.equal(stdout, injectManifests(appSource, defaultInjectOptions, 'stdin').output)
  })

  test('refusals and bad input: a clear message with the code, exit 1, nothing on stdout', async () => {
    const dir = tempDir('tg-inject-')
    const conflict = join(dir.path, 'conflict.yaml')
    writeFileSync(conflict, appSource.replace('containerPort: 9090', 'containerPort: 9190'))
    const cases: Array<[string[], RegExp]> = [
      [['-f', conflict], /^error TG_ERR_INJECT_PORT_CONFLICT: .*conflict\.yaml: document 3 Deployment\/user-service spec\.template: container "app" \(containers\) already uses port 9190/m],
      [['-f', APP, '--proxy-port', '0'], /^error TG_ERR_INJECT_BAD_OPTION: proxy port: "0" is not a port number/m],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(['inject', ...args])
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, message)
    }
    const usage = await runCli(['inject', '-f', APP, '--mode', 'sometimes'])
    assert.equal(usage.code, 2)
    dir.cleanup()
  })
})
