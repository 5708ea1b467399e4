// Forwarding cost in instructions, immune to a busy machine: the pipe and thriftgate each run in one
// process with their upstream and client (bench/e2e/one-process.ts) under valgrind's callgrind, once
// with N1 calls and once with N2 after the same warm-up; (I2 - I1) / (N2 - N1) is the user-space
// instructions per call of the whole process (client and upstream included, the same for both
// paths), so "proxy - pipe" is what thriftgate adds per call; start-up and the TypeScript loader
// cancel out in the difference. Kernel time (syscalls) is not counted: read this beside the CPU
// column of e2e-forward.bench.ts. Needs valgrind; takes several minutes. Keep n1 at several thousand
// calls: below that, JIT compilation still running lands in the difference and inflates both paths.
//
//   node --import tsx bench/e2e-instructions.bench.ts [--depth=4] [--conns=4] [--n1=6000] [--n2=18000]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const arg = (name: string, dflt: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const depth = arg('depth', '4')
const conns = arg('conns', '4')
const n1 = Number(arg('n1', '6000'))
const n2 = Number(arg('n2', '18000'))

const script = fileURLToPath(new URL('./e2e/one-process.ts', import.meta.url))

/** User-space instructions of one run with `n` measured calls (valgrind reports them on stderr). */
function instructions(mode: string, n: number): number {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--import', 'tsx', script], {
    env: { ...process.env, MODE: mode, N: String(n), WARM: '3000', D: depth, C: conns },
    encoding: 'utf8',
    timeout: 30 * 60_000,
  })
  const m = /Collected : (\d+)/.exec(r.stderr ?? '')
  if (r.status !== 0 || m === null) throw new Error(`valgrind run failed (is valgrind installed?): ${r.error ?? r.stderr?.slice(-500)}`)
  return Number(m[1])
}

const perCall: Record<string, number> = {}
for (const mode of ['pipe', 'proxy']) {
  perCall[mode] = (instructions(mode, n2) - instructions(mode, n1)) / (n2 - n1)
  process.stderr.write(`${mode}: ${Math.round(perCall[mode] as number)} instructions per call\n`)
}
const pipe = perCall.pipe as number
const proxy = perCall.proxy as number
console.log(`buffered binary, ${conns} connections x ${depth} in flight, ${n2 - n1} calls (callgrind, user space, whole process)`)
console.log(`| path | instructions/call | vs pipe |`)
console.log(`|---|---:|---:|`)
console.log(`| pipe | ${Math.round(pipe)} | 1.00 |`)
console.log(`| proxy | ${Math.round(proxy)} | ${(proxy / pipe).toFixed(2)} |`)
console.log(`thriftgate adds ${Math.round(proxy - pipe)} instructions per call`)
