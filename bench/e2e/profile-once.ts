// Dev aid: one 64-connection run (framed or buffered) against the proxy (or the pipe) under --cpu-prof
// (profile written to the directory given as argv[2]). Not part of the reported bench.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { runLoad } from './loadgen.js'

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))
const dir = process.argv[2] ?? '.'
const transport = process.argv[3] === 'buffered' ? 'buffered' : 'framed'
const up = fork(here('./upstream.ts'), [transport], { execArgv: ['--import', 'tsx'] })
const [u] = (await once(up, 'message')) as [{ port: number }]
const who = process.argv[4] === 'pipe' ? './pipe.ts' : './proxy.ts'
const px = fork(here(who), [String(u.port)], { execArgv: ['--import', 'tsx', '--cpu-prof', `--cpu-prof-dir=${dir}`] })
const [p] = (await once(px, 'message')) as [{ port: number }]
const r = await runLoad({ port: p.port, transport, conns: 64, depth: 4, warmupMs: 300, durationMs: 3000 })
console.log(r)
px.disconnect()
await once(px, 'exit')
up.kill()
