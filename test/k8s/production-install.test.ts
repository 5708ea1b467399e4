// The image's start command, run from a production install, since no container engine runs on the test
// machines: the Dockerfile's runtime stage is replayed step by step (its COPY list from the repo, the
// build stage's compile, the deps stage's `npm ci --omit=dev`), then its ENTRYPOINT + CMD run with the
// mounts mapped to temp dirs, exactly as a pod with deploy/k8s/sidecar's config would run it. Checked:
// /readyz turns 200, a call through the proxy gets the upstream's answer, SIGTERM drains and exits 0.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { get } from 'node:http'
import { basename, join } from 'node:path'
import { parse } from 'yaml'
import { connectUserClient } from '../support/thrift-clients.js'
import { startRedis, type RedisServer } from '../support/redis.js'
import { tempDir } from '../support/tmp.js'
import { execForm, parseCopy, parseDockerfile, type Stage } from './support/dockerfile.js'

const ROOT = join(import.meta.dirname, '..', '..')
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
const stage = (name: string): Stage => {
  const s = stages.find((x) => x.name === name)
  assert.ok(s, `Dockerfile stage "${name}"`)
  return s
}
const runtime = stages[stages.length - 1] as Stage
const last = (s: Stage, op: string): (typeof s.instructions)[number] | undefined => s.instructions.filter((i) => i.op === op).pop()

function run(cmd: string, args: string[], cwd: string, what: string): number {
  const t0 = Date.now()
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } })
  assert.equal(r.status, 0, `${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`)
  return Date.now() - t0
}

/** Like run, without blocking: the build and deps stages are independent, as in a BuildKit build. */
function runAsync(cmd: string, args: string[], cwd: string, what: string): Promise<number> {
  const t0 = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Date.now() - t0) : reject(new Error(`${what} failed (exit ${String(code)}):\n${out}`))))
  })
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

describe('the Dockerfile', () => {
  test('is a multi-stage build whose runtime runs as non-root and whose steps fetch only from package registries', () => {
    assert.deepEqual(stages.map((s) => s.name), ['build', 'deps', 'runtime'])
    assert.ok(stages.every((s) => /node:20-bookworm-slim|\$\{NODE_IMAGE\}/.test(s.base)), 'glibc Debian base: the prebuilt RocksDB binding links against glibc')
    const user = last(runtime, 'USER')?.args
    assert.ok(user !== undefined && !/^(0|root)(:|$)/.test(user), `runtime USER is ${user}`)
    for (const s of stages) for (const i of s.instructions) {
      assert.doesNotMatch(`${i.op} ${i.args}`, /\b(curl|wget)\b|^ADD\s+https?:/i, `line ${i.line} downloads from outside the package registries`)
    }
    assert.ok(stage('deps').instructions.some((i) => i.op === 'RUN' && /\bnpm ci --omit=dev\b/.test(i.args)))
    assert.ok(runtime.instructions.some((i) => i.op === 'RUN' && /apt-get install .*\blibatomic1\b/.test(i.args)), 'libatomic1 for the RocksDB binding')
    assert.deepEqual(execForm(last(runtime, 'ENTRYPOINT'), 'ENTRYPOINT').slice(0, 1), ['node'], 'node itself is PID 1 and gets SIGTERM')
    assert.ok(runtime.instructions.some((i) => i.op === 'EXPOSE'))
    assert.ok(runtime.instructions.some((i) => i.op === 'VOLUME'))
  })
})

describe('the image start command from a production install', () => {
  const app = tempDir('thriftgate-image-')
  let upstreamProc: ChildProcess | undefined
  let redis: RedisServer
  let child: ChildProcess | undefined
  let stdout = ''
  let stderr = ''

  before(async () => {
    redis = await startRedis()
  })
  after(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    if (upstreamProc !== undefined && upstreamProc.exitCode === null) upstreamProc.kill('SIGKILL')
    await redis.stop()
    app.cleanup()
  })

  test('serves /readyz and proxied calls, and drains on SIGTERM', { timeout: 300_000 }, async (t) => {
    const workdir = last(runtime, 'WORKDIR')?.args ?? '/'
    const stagesRunning: Array<Promise<void>> = []
    for (const i of runtime.instructions.filter((x) => x.op === 'COPY')) {
      const c = parseCopy(i)
      const dest = join(app.path, c.dest.startsWith('/') ? c.dest.slice(workdir.length) : c.dest)
      if (c.from === 'deps') {
        // The deps stage: the lockfile and `npm ci --omit=dev` (the offline cache may serve it).
        const deps = stage('deps')
        for (const dc of deps.instructions.filter((x) => x.op === 'COPY').map(parseCopy)) for (const s of dc.sources) cpSync(join(ROOT, s), join(app.path, s))
        const npm = deps.instructions.find((x) => x.op === 'RUN' && /npm ci/.test(x.args))?.args.split('&&')[0]?.trim().split(/\s+/) ?? []
        assert.equal(npm[0], 'npm')
        t.diagnostic(`deps stage: ${npm.join(' ')} --prefer-offline`)
        stagesRunning.push(runAsync('npm', [...npm.slice(1), '--prefer-offline'], app.path, 'npm ci --omit=dev').then((ms) => t.diagnostic(`npm ci took ${ms} ms`)))
      } else if (c.from === 'build') {
        // The build stage's `npm run build` (tsc -p tsconfig.build.json), written where the COPY puts it.
        const tsc = [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dest]
        stagesRunning.push(runAsync(process.execPath, tsc, ROOT, 'the build stage (tsc)').then((ms) => t.diagnostic(`tsc took ${ms} ms`)))
      } else {
        assert.equal(c.from, undefined, `COPY --from=${c.from} is not replayed by this test`)
        // Docker's COPY: a directory's contents go into dest; a file goes into dest when dest ends in "/".
        for (const s of c.sources) {
          const src = join(ROOT, s)
          const into = statSync(src).isDirectory() || (c.sources.length === 1 && !c.dest.endsWith('/')) ? dest : join(dest, basename(s))
          cpSync(src, into, { recursive: true })
        }
      }
    }
    await Promise.all(stagesRunning)
    assert.ok(existsSync(join(app.path, 'dist', 'cli', 'main.js')))
    assert.ok(!existsSync(join(app.path, 'node_modules', 'typescript')), 'dev dependencies are not installed')
    // The native RocksDB binding loads from the production install.
    run(process.execPath, ['-e', "import('rocksdb-native').then((m) => { if (!m.default) process.exit(1) })"], app.path, 'loading rocksdb-native')

    // The mounts: the ConfigMap of deploy/k8s/sidecar at /etc/thriftgate, the data volume at /var/lib/thriftgate.
    const etc = join(app.path, 'mnt', 'etc-thriftgate')
    const data = join(app.path, 'mnt', 'var-lib-thriftgate')
    mkdirSync(data, { recursive: true })
    const kustomization = parse(readFileSync(join(ROOT, 'deploy', 'k8s', 'sidecar', 'kustomization.yaml'), 'utf8')) as { configMapGenerator: Array<{ files: string[] }> }
    mkdirSync(etc, { recursive: true })
    for (const f of kustomization.configMapGenerator[0]?.files ?? []) cpSync(join(ROOT, 'deploy', 'k8s', 'sidecar', f), join(etc, f))
    const mount = (arg: string): string => arg.replace(/^\/etc\/thriftgate(?=\/|$)/, etc).replace(/^\/var\/lib\/thriftgate(?=\/|$)/, data)
    const command = [...execForm(last(runtime, 'ENTRYPOINT'), 'ENTRYPOINT'), ...execForm(last(runtime, 'CMD'), 'CMD')].map(mount)
    const imageEnv = Object.fromEntries(runtime.instructions.filter((i) => i.op === 'ENV').map((i) => i.args.split('=') as [string, string]))
    t.diagnostic(`start command: ${command.join(' ')}`)
    // The pod's app container (deploy/k8s/sidecar): the demo UserService from the same install, on port 0.
    const pod = parse(readFileSync(join(ROOT, 'deploy', 'k8s', 'sidecar', 'deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: Array<{ command: string[]; args: string[] }> } } } }
    const appContainer = pod.spec.template.spec.containers[0]
    assert.ok(appContainer)
    const appArgs = [...appContainer.command, ...appContainer.args].map((a, i, all) => (all[i - 1] === '--port' ? '0' : a))
    assert.equal(appArgs[0], 'node')
    upstreamProc = spawn(process.execPath, appArgs.slice(1), { cwd: app.path, env: { PATH: process.env.PATH ?? '', ...imageEnv }, stdio: ['ignore', 'pipe', 'inherit'] })
    let upstreamOut = ''
    upstreamProc.stdout?.setEncoding('utf8').on('data', (c: string) => (upstreamOut += c))
    let upstreamPort: number | undefined
    for (let i = 0; i < 300 && upstreamPort === undefined; i++) {
      if (upstreamProc.exitCode !== null) assert.fail(`the example app exited with ${upstreamProc.exitCode}: ${upstreamOut}`)
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(upstreamOut)
      if (m !== null) upstreamPort = Number(m[1])
      else await new Promise((r) => setTimeout(r, 100))
    }
    assert.ok(upstreamPort, `the example app did not start: ${upstreamOut}`)
    t.diagnostic(`example app: ${appArgs.join(' ')} -> port ${upstreamPort}`)
    // What the pod spec sets (deploy/k8s/sidecar/deployment.yaml), on loopback and port 0 here.
    const env = {
      PATH: process.env.PATH ?? '',
      ...imageEnv,
      THRIFTGATE_LISTEN: '127.0.0.1:0',
      THRIFTGATE_ADMIN: '127.0.0.1:0',
      THRIFTGATE_UPSTREAM: `127.0.0.1:${upstreamPort}`,
      THRIFTGATE_REDIS_URL: redis.url,
      THRIFTGATE_INDEX_PATH: join(data, 'index'),
    }
    const [bin, ...args] = command
    assert.equal(bin, 'node')
    child = spawn(process.execPath, args, { cwd: app.path, env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)))

    // The bound ports come from the "thriftgate started" log line (JSON lines on stdout).
    let started: { listen: string; admin: string; plugins: string[] } | undefined
    for (let i = 0; i < 600 && started === undefined; i++) {
      if (child.exitCode !== null) assert.fail(`thriftgate exited with ${child.exitCode}:\n${stdout}\n${stderr}`)
      started = stdout.split('\n').filter((l) => l.includes('"thriftgate started"')).map((l) => JSON.parse(l) as { listen: string; admin: string; plugins: string[] })[0]
      if (started === undefined) await new Promise((r) => setTimeout(r, 100))
    }
    assert.ok(started, `no "thriftgate started" line within 60 s:\n${stdout}\n${stderr}`)
    // deploy/k8s/sidecar's config turns on the cache (with the Redis tier) and the RocksDB index.
    assert.deepEqual([...started.plugins].sort(), ['cache', 'index'], `plugins: ${JSON.stringify(started.plugins)}`)
    const adminUrl = `http://${started.admin}`
    let ready = { status: 0, body: '' }
    for (let i = 0; i < 300 && ready.status !== 200; i++) {
      if (child.exitCode !== null) assert.fail(`thriftgate exited with ${child.exitCode}:\n${stdout}\n${stderr}`)
      // As kubelet does: a probe that fails to connect counts as not ready yet.
      ready = await httpGet(`${adminUrl}/readyz`).catch((err: Error) => ({ status: 0, body: err.message }))
      if (ready.status !== 200) await new Promise((r) => setTimeout(r, 100))
    }
    assert.equal(ready.status, 200, `/readyz: ${ready.body}`)
    assert.equal((await httpGet(`${adminUrl}/healthz`)).status, 200)

    const port = Number(started.listen.split(':').pop())
    const viaProxy = await connectUserClient(port, { transport: 'framed', protocol: 'binary' })
    const direct = await connectUserClient(upstreamPort, { transport: 'framed', protocol: 'binary' })
    try {
      for (const id of [1, 2, 1, 2]) assert.deepEqual(await viaProxy.getUser(id), await direct.getUser(id))
      assert.equal(String(await viaProxy.countUsers()), String(await direct.countUsers()))
      assert.deepEqual(await viaProxy.getUserByEmail('user7@example.com'), await direct.getUserByEmail('user7@example.com'))
    } finally {
      await viaProxy.close()
      await direct.close()
    }
    // docs/kubernetes.md's in-pod check: the image's demo client, from the same install, through the proxy.
    const demoClient = spawnSync(process.execPath, ['bin/thriftgate.js', 'demo-client', '--port', String(port), 'getUser', '42', 'getUser', '42'], { cwd: app.path, encoding: 'utf8', timeout: 60_000 })
    assert.equal(demoClient.status, 0, `demo-client: ${demoClient.stdout}\n${demoClient.stderr}`)
    assert.match(demoClient.stdout, /getUser/)
    const metrics = await httpGet(`${adminUrl}/metrics`)
    assert.match(metrics.body, /thriftgate_requests_total\{[^}]*method="getUser"/)
    const hits = [...metrics.body.matchAll(/^thriftgate_cache_hits_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
    assert.ok(hits >= 1, `repeated getUser calls were answered from the cache: ${hits} hits`)

    child.kill('SIGTERM')
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))])
    assert.equal(code, 0, `after SIGTERM: ${String(code)}\n${stdout.slice(-2000)}\n${stderr}`)
    assert.match(stdout, /"shutting down"/)
  })
})
