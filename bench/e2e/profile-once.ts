// Dev aid: one 64-connection framed run against the proxy with the proxy process under --cpu-prof
// (profile written to the directory given as argv[2]). Not part of the reported bench.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { runLoad } from './loadgen.js'

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))
const dir = process.argv[2] ?? '.'
const up = fork(here('./upstream.ts'), ['framed'], { execArgv: ['--import', 'tsx'] })
const [u] = (await once(up, 'message')) as [{ port: number }]
const px = fork(here('./proxy.ts'), [String(u.port)], { execArgv: ['--import', 'tsx', '--cpu-prof', `--cpu-prof-dir=${dir}`] })
const [p] = (await once(px, 'message')) as [{ port: number }]
const r = await runLoad({ port: p.port, transport: 'framed', conns: 64, depth: 4, warmupMs: 300, durationMs: 3000 })
console.log(r)
px.disconnect()
await once(px, 'exit')
up.kill()
