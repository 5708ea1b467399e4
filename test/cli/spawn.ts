// Runs the real `thriftgate` CLI in a child process (through tsx, from the sources).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = fileURLToPath(new URL('../../proxy/cli/main.ts', import.meta.url))

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}
export interface RunResult extends Exit {
  readonly stdout: string
  readonly stderr: string
}

/** The environment without THRIFTGATE_* variables (a developer's shell must not change results). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('THRIFTGATE_')) env[k] = v
  return { ...env, ...extra }
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Runs to completion (killed after timeoutMs) and collects the output. */
export function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const child = spawnCli(args, opts.env)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000)
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

export interface Served {
  readonly child: ChildProcess
  readonly port: number
  readonly adminPort: number
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, unknown>>
  readonly stderr: () => string
  readonly exited: Promise<Exit>
  /** Resolves with the first log line whose msg is `msg`. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>
}

/** Starts `thriftgate serve ARGS` (add --listen/--admin 127.0.0.1:0) and waits for "thriftgate started". */
export async function startServe(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawnCli(['serve', ...args], env)
  const logs: Array<Record<string, unknown>> = []
  const waiters: Array<{ msg: string; resolve: (l: Record<string, unknown>) => void }> = []
  let stderr = ''
  let partial = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      const rec = JSON.parse(line) as Record<string, unknown>
      logs.push(rec)
      for (const w of waiters.splice(0)) (rec.msg === w.msg ? w.resolve(rec) : waiters.push(w))
    }
  })
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  const waitForLog = (msg: string, timeoutMs = 20_000): Promise<Record<string, unknown>> => {
    const seen = logs.find((l) => l.msg === msg)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" log within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs)
      waiters.push({ msg, resolve: (l) => (clearTimeout(timer), resolve(l)) })
      void exited.then((e) => {
        clearTimeout(timer)
        reject(new Error(`thriftgate exited (${e.code ?? e.signal}) before "${msg}"; stderr: ${stderr}`))
      })
    })
  }
  const started = await waitForLog('thriftgate started')
  const port = Number(String(started.listen).split(':').pop())
  const adminPort = Number(String(started.admin).split(':').pop())
  return { child, port, adminPort, logs, stderr: () => stderr, exited, waitForLog }
}
