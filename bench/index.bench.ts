// Secondary-index bench: the demo UserService (own process) with N users, called directly and
// through thriftgate (own process: the real gateway with the cache and index plugins, index
// backfilled through its admin endpoint). Three kinds of upstream store: `memory` (the demo's user
// objects; secondary lookups loop over all of them), `postgres` and `mariadb` (a real PostgreSQL or
// MariaDB/InnoDB table with a primary key on id and no index on email or age: secondary lookups
// are unindexed-column scans, as in the services the index is for). Per store and size it reports
// median latency of sequential calls from one client (thrift library): getUserByEmail direct vs
// from the index, a cached getUser through the proxy (the yardstick for point lookups; the
// upstream's own primary-key read next to it), listUsersByAge with 1, 100 and 1000 results direct
// vs from the index; the backfill rate, the upstream's own scan paging rate, index bytes on disk,
// proxy RSS.
//
//   node --import tsx bench/index.bench.ts [--stores=memory,postgres,mariadb] [--sizes=100000,1000000]
//        [--calls=300] [--scan-calls=15] [--rounds=3] [--pg-url=postgres://...]
//        [--mysql-url=mysql://root@127.0.0.1:3306/test] [--pad=0] [--profile-dir=DIR] [--write-buffer=SIZE]
// postgres connects to --pg-url, else to what the PG* environment variables say (PGHOST, PGUSER,
// PGDATABASE, ...); mariadb connects to --mysql-url (default: root, no password, database test on
// 127.0.0.1:3306). Each creates and drops its own table. --pad=N (older spelling: --pg-pad=N)
// widens each row of either database table by N bytes of a column the service never reads (0:
// rows hold just the User fields, the narrowest table).
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectUserClient, type UserClient } from '../test/support/thrift-peers.js'

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const sizes = arg('sizes', '100000,1000000').split(',').map(Number)
const stores = arg('stores', 'memory').split(',')
const pgUrl = arg('pg-url', '')
const mysqlUrl = arg('mysql-url', 'mysql://root@127.0.0.1:3306/test')
const pad = arg('pad', arg('pg-pad', '0'))
for (const s of stores) if (s !== 'memory' && s !== 'postgres' && s !== 'mariadb') throw new Error(`--stores: memory, postgres or mariadb, not ${s}`)
const calls = Number(arg('calls', '300'))
const scanCalls = Number(arg('scan-calls', '15'))
const rounds = Number(arg('rounds', '3'))
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))

// --profile-dir=DIR: the gateway writes a V8 CPU profile there when it exits (node --cpu-prof).
const profileDir = arg('profile-dir', '')
// --write-buffer=SIZE: index.writeBufferSize (default: the config default).
const writeBuffer = arg('write-buffer', '')

async function start(script: string, args: string[]): Promise<{ child: ChildProcess; msg: Record<string, number> }> {
  const prof = profileDir !== '' && script.endsWith('gateway.ts') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const child = fork(here(script), args, { execArgv: ['--import', 'tsx', '--max-old-space-size=4096', ...prof], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [msg] = (await once(child, 'message')) as [Record<string, number>]
  return { child, msg }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Median latency (ms) of `n` sequential calls of each of `calls`, interleaved call by call (same load for all). */
async function timeCalls(n: number, ...calls: Array<(i: number) => Promise<unknown>>): Promise<number[]> {
  const t: number[][] = calls.map(() => [])
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < calls.length; c++) {
      const s = process.hrtime.bigint()
      await calls[c]!(i)
      t[c]!.push(Number(process.hrtime.bigint() - s) / 1e6)
    }
  }
  return t.map(median)
}

const ids = (n: number, users: number): number[] => Array.from({ length: n }, (_, i) => 1 + ((i * 7919 + 13) % users))

interface SizeResult {
  store: string
  users: number
  backfillSeconds: number
  backfillRate: number
  scanRate: number
  bytesOnDisk: number
  rssMiB: number
  rows: Array<{ what: string; direct: number; proxy: number }>
  cachedGetUser: number
  directGetUser: number
}

async function runSize(store: string, users: number): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-index-'))
  const up = await start('./index/upstream.ts', [String(users), store, store === 'mariadb' ? mysqlUrl : pgUrl, pad])
  const file = join(dir, 'thriftgate.yaml')
  writeFileSync(
    file,
    [
      'listen: 127.0.0.1:0',
      `upstream: 127.0.0.1:${up.msg.port}`,
      'admin: 127.0.0.1:0',
      'transport: framed',
      'protocol: binary',
      `idl: ["${resolve('config/demo/user.thrift')}"]`,
      'timeouts: { request: 60s }',
      'cache: { memory: { maxBytes: 512MiB } }',
      `index: { path: "${join(dir, 'index')}"${writeBuffer === '' ? '' : `, writeBufferSize: ${writeBuffer}`} }`,
      'services:',
      '  UserService:',
      '    timeouts: { scanUsers: 60s, listUsersByAge: 60s, getUserByEmail: 60s }',
      '    reads: { getUser: { ttl: 1h } }',
      '    writes: { putUser: { invalidates: ["getUser(id: u.id)"] } }',
      '    entities:',
      '      User:',
      '        get: getUser',
      '        key: id',
      '        indexes: { email: { unique: true }, age: {} }',
      '        writes: { putUser: { upsert: u }, deleteUser: { delete: id } }',
      '        lookups:',
      '          getUserByEmail: { index: email }',
      '          listUsersByAge: { index: age, range: [lo, hi], order: key, limit: limit }',
      '        scan: { method: scanUsers, after: afterId, limit: limit }',
    ].join('\n'),
  )
  // Baseline for the backfill rate: paging through scanUsers directly, doing nothing with the pages.
  const scanner: UserClient = await connectUserClient(up.msg.port!, { transport: 'framed', protocol: 'binary' })
  const s0 = Date.now()
  for (let after = 0; ; ) {
    const page = await scanner.scanUsers(after, 1000)
    if (page.users.length === 0) break
    after += page.users.length
  }
  const scanSeconds = (Date.now() - s0) / 1000
  await scanner.close()
  const gw = await start('./index/gateway.ts', [file])
  const admin = `http://127.0.0.1:${gw.msg.admin}`
  const t0 = Date.now()
  await fetch(`${admin}/index/backfill?entity=User`, { method: 'POST' })
  let stats: { bytesOnDisk: number; entities: Array<{ authoritative: boolean; entities: number }> }
  for (;;) {
    await new Promise((r) => setTimeout(r, 50))
    stats = (await (await fetch(`${admin}/index/stats`)).json()) as typeof stats
    if (stats.entities[0]!.authoritative) break
  }
  const backfillSeconds = (Date.now() - t0) / 1000
  const direct: UserClient = await connectUserClient(up.msg.port!, { transport: 'framed', protocol: 'binary' })
  const proxy: UserClient = await connectUserClient(gw.msg.port!, { transport: 'framed', protocol: 'binary' })
  const pointIds = ids(calls, users)
  const scanIds = ids(scanCalls, users)
  // Warm: the cache holds the users the lookups resolve to (a point lookup fetches through it).
  for (const id of pointIds) await proxy.getUser(id)
  const acc: Record<string, { direct: number[]; proxy: number[] }> = {}
  const add = (what: string, d: number | undefined, p: number): void => {
    acc[what] ??= { direct: [], proxy: [] }
    if (d !== undefined) acc[what].direct.push(d)
    acc[what].proxy.push(p)
  }
  const ranges: Array<[string, number, number, number]> = [
    ['listUsersByAge, 1 result', 30, 30, 1],
    ['listUsersByAge, 100 results', 30, 30, 100],
    ['listUsersByAge, 1000 results', 30, 40, 1000],
  ]
  for (const [, lo, hi, limit] of ranges) for (let i = 0; i < 3; i++) await proxy.listUsersByAge(lo, hi, limit) // warm the cache
  for (let r = 0; r < rounds; r++) {
    // The yardstick and the index lookup interleaved; the scanning upstream timed on fewer calls.
    const [cached, point, pk] = await timeCalls(calls, (i) => proxy.getUser(pointIds[i]!), (i) => proxy.getUserByEmail(`user${pointIds[i]}@example.com`), (i) => direct.getUser(pointIds[i]!))
    add('getUser (cached)', pk, cached!)
    const [scanDirect, scanProxy] = await timeCalls(scanCalls, (i) => direct.getUserByEmail(`user${scanIds[i]}@example.com`), (i) => proxy.getUserByEmail(`user${scanIds[i]}@example.com`))
    add('getUserByEmail', scanDirect, point!)
    void scanProxy
    for (const [what, lo, hi, limit] of ranges) {
      const [d, p] = await timeCalls(scanCalls, () => direct.listUsersByAge(lo, hi, limit), () => proxy.listUsersByAge(lo, hi, limit))
      add(what, d, p!)
    }
  }
  // What the proxy did with the lookups: the table means "from the index" only if they were hits.
  const metrics = await (await fetch(`${admin}/metrics`)).text()
  const counted = (re: RegExp): string =>
    [...metrics.matchAll(re)]
      .filter((m) => Number(m[2]) > 0)
      .map((m) => `${m[1]} ${m[2]}`)
      .join(', ') || 'none'
  process.stderr.write(`  index hits: ${counted(/^thriftgate_index_hits_total\{kind="(\w+)"\} (\d+)/gm)}; fallbacks: ${counted(/^thriftgate_index_fallbacks_total\{reason="(\w+)"\} (\d+)/gm)}\n`)
  gw.child.send({ rss: true })
  const [rss] = (await once(gw.child, 'message')) as [{ rss: number }]
  await Promise.all([direct.close(), proxy.close()])
  gw.child.disconnect()
  await once(gw.child, 'exit')
  up.child.disconnect()
  await once(up.child, 'exit')
  rmSync(dir, { recursive: true, force: true })
  const rows = Object.entries(acc)
    .filter(([what]) => what !== 'getUser (cached)')
    .map(([what, v]) => ({ what, direct: median(v.direct), proxy: median(v.proxy) }))
  return {
    store: store !== 'memory' && Number(pad) > 0 ? `${store} (rows +${pad} B)` : store,
    users,
    backfillSeconds,
    backfillRate: stats!.entities[0]!.entities / backfillSeconds,
    scanRate: users / scanSeconds,
    bytesOnDisk: stats!.bytesOnDisk,
    rssMiB: rss.rss / 1048576,
    rows,
    cachedGetUser: median(acc['getUser (cached)']!.proxy),
    directGetUser: median(acc['getUser (cached)']!.direct),
  }
}

const fmt = (ms: number): string => (ms >= 10 ? ms.toFixed(1) : ms.toFixed(3))
const results: SizeResult[] = []
for (const store of stores) {
  for (const n of sizes) {
    process.stderr.write(`bench: ${store}, ${n} users...\n`)
    results.push(await runSize(store, n))
  }
}
const out: string[] = []
out.push('| store | users | call | direct (ms) | through thriftgate (ms) | speed-up |', '|---|---:|---|---:|---:|---:|')
for (const r of results) {
  for (const row of r.rows) out.push(`| ${r.store} | ${r.users} | ${row.what} | ${fmt(row.direct)} | ${fmt(row.proxy)} | ${(row.direct / row.proxy).toFixed(1)}x |`)
  out.push(`| ${r.store} | ${r.users} | getUser (direct: the upstream's primary-key read; through: cached, the yardstick) | ${fmt(r.directGetUser)} | ${fmt(r.cachedGetUser)} | |`)
}
out.push('', '| store | users | index point lookup / cached getUser | backfill (s) | backfill rate (entities/s) | upstream scan alone (entities/s) | index on disk (MiB) | proxy RSS (MiB) |', '|---|---:|---:|---:|---:|---:|---:|---:|')
for (const r of results) {
  const point = r.rows.find((x) => x.what === 'getUserByEmail')!.proxy
  out.push(`| ${r.store} | ${r.users} | ${(point / r.cachedGetUser).toFixed(2)}x | ${r.backfillSeconds.toFixed(1)} | ${Math.round(r.backfillRate)} | ${Math.round(r.scanRate)} | ${(r.bytesOnDisk / 1048576).toFixed(1)} | ${r.rssMiB.toFixed(0)} |`)
}
process.stdout.write(`${out.join('\n')}\n`)
