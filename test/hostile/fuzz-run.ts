// The listener fuzzer's loop, shared by the CI test (test/hostile/fuzz.test.ts) and the long run
// (bench/fuzz.bench.ts): workers draw cases deterministically from a seed and deliver them while a
// canary client checks its own answers and the proxy's memory and descriptors are sampled.
import { connectUserClient } from '../support/thrift-clients.js'
import { toBigInt } from '../support/thrift-peers.js'
import { startCanary } from './canary.js'
import { caseBytes, deliver, type Outcome, type Progress } from './deliver.js'
import { drawCases, type FuzzCase } from './mutate.js'
import type { Seed } from './seeds.js'
import type { Sample, Target } from './target.js'

export { sampleTable } from './samples.js'

export interface FuzzOptions {
  readonly seed: number
  readonly seconds: number
  /** Fuzz connections at once. */
  readonly concurrency: number
  readonly maxFrameSize: number
  readonly sampleEveryMs: number
  readonly quietMs?: number
  /** Most times one message is pipelined back to back (default 20). */
  readonly maxRepeat?: number
  readonly progress?: (line: string) => void
}

export interface FuzzFailure {
  readonly what: string
  /** Batch and index in it: drawCases(seeds.length, seed + batch, BATCH)[index] reproduces the case. */
  readonly batch?: number
  readonly index?: number
  readonly plan?: string
  readonly hex?: string
}

export interface FuzzReport {
  readonly seed: number
  readonly seconds: number
  readonly cases: number
  readonly connections: number
  readonly bytesSent: number
  readonly replies: number
  readonly exceptions: number
  readonly closedByProxy: number
  readonly canaryCalls: number
  /** Canary calls answered with the proxy's request-timeout exception (the upstream stalled). */
  readonly canaryUpstreamTimeouts: number
  readonly samples: readonly Sample[]
  readonly failures: readonly FuzzFailure[]
}

export const BATCH = 100
const CASE_DEADLINE_MS = 60_000

class HungCase extends Error {
  constructor(readonly stage: string) {
    super(`case hung at ${stage}`)
  }
}
/** The canary's users: ids no seed call (nor a few bit flips of one) reaches. */
const CANARY_ID_BASE = 900_000
const HEX_LIMIT = 4096

function describe(seeds: readonly Seed[], c: FuzzCase, maxFrameSize: number, batch: number, index: number): Omit<FuzzFailure, 'what'> {
  const hex = Buffer.concat(caseBytes(seeds, c, maxFrameSize)).toString('hex')
  return {
    batch,
    index,
    plan: JSON.stringify({ seeds: c.messages.map((m) => seeds[m.seed]?.name), ...c }),
    hex: hex.length > HEX_LIMIT ? `${hex.slice(0, HEX_LIMIT)}… (${hex.length / 2} bytes)` : hex,
  }
}

export async function runFuzz(target: Target, seeds: readonly Seed[], o: FuzzOptions): Promise<FuzzReport> {
  const failures: FuzzFailure[] = []
  const samples: Sample[] = []
  const totals = { cases: 0, connections: 0, bytesSent: 0, replies: 0, exceptions: 0, closedByProxy: 0 }
  const runStart = Date.now()
  const deadline = runStart + o.seconds * 1000
  const inFlight = new Map<string, { c: FuzzCase; batch: number; index: number }>()
  // The last cases run, for pointing at what was running when the canary failed.
  const recent: Array<{ c: FuzzCase; batch: number; index: number; start: number; end: number }> = []
  let batch = 0
  let queue: FuzzCase[] = []
  let next = 0
  const take = (): { c: FuzzCase; batch: number; index: number } => {
    if (next >= queue.length) {
      batch++
      queue = drawCases(seeds.length, o.seed + batch, BATCH, o.maxRepeat)
      next = 0
    }
    const index = next++
    return { c: queue[index] as FuzzCase, batch, index }
  }
  const dead = (): boolean => target.exit !== undefined || target.upstreamExit !== undefined

  const sampleOnce = async (): Promise<void> => {
    try {
      samples.push(await target.sample())
    } catch (err) {
      if (!dead()) failures.push({ what: `sampling failed: ${err instanceof Error ? err.message : String(err)}` })
    }
  }
  await sampleOnce()
  const canary = await startCanary(target.port, { idBase: CANARY_ID_BASE, pauseMs: 20, dialect: target.upstreamDialect })
  const sampler = setInterval(() => void sampleOnce(), o.sampleEveryMs)

  const worker = async (w: number): Promise<void> => {
    while (Date.now() < deadline && !dead() && failures.length === 0) {
      const job = take()
      const key = `${w}`
      inFlight.set(key, job)
      let r: Outcome
      const start = Date.now()
      const progress: Progress = { stage: 'starting', abort: () => undefined }
      let watchdog: NodeJS.Timeout | undefined
      try {
        // A case normally ends within seconds (each wait is bounded); one that does not is a finding
        // of its own (the fuzzer or the proxy holding a connection forever): report it and go on.
        const hung = new Promise<never>((_, reject) => {
          watchdog = setTimeout(() => {
            progress.abort()
            reject(new HungCase(progress.stage))
          }, CASE_DEADLINE_MS)
        })
        r = await Promise.race([deliver(seeds, job.c, { port: target.port, maxFrameSize: o.maxFrameSize, quietMs: o.quietMs ?? 250, maxWaitMs: 3000 }, progress), hung])
      } catch (err) {
        if (err instanceof HungCase) {
          failures.push({ what: `a case did not finish within ${CASE_DEADLINE_MS / 1000} s (stage: ${err.stage})`, ...describe(seeds, job.c, o.maxFrameSize, job.batch, job.index) })
          continue
        }
        if (!dead()) failures.push({ what: `could not deliver: ${err instanceof Error ? err.message : String(err)}`, ...describe(seeds, job.c, o.maxFrameSize, job.batch, job.index) })
        break
      } finally {
        clearTimeout(watchdog)
        if (!dead()) inFlight.delete(key)
        recent.push({ ...job, start, end: Date.now() })
        if (recent.length > 400) recent.shift()
      }
      totals.cases++
      totals.connections += r.connections
      totals.bytesSent += r.bytesSent
      totals.replies += r.replies
      totals.exceptions += r.exceptions
      totals.closedByProxy += r.closedByProxy
      if (r.problem !== undefined) failures.push({ what: r.problem, ...describe(seeds, job.c, o.maxFrameSize, job.batch, job.index) })
      if (totals.cases % 500 === 0) o.progress?.(`${totals.cases} cases, ${totals.replies} replies, ${totals.exceptions} exceptions, canary ${canary.calls} calls`)
    }
  }
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)))
  clearInterval(sampler)
  await canary.stop()
  if (dead()) {
    const who = target.exit !== undefined ? `the proxy exited (${target.exit.code ?? target.exit.signal})` : `the upstream exited (${target.upstreamExit?.code ?? target.upstreamExit?.signal})`
    failures.push({ what: `${who}; cases in flight follow. ${target.problems.join('\n')}\n${target.stderrTail()}` })
    for (const j of inFlight.values()) failures.push({ what: 'in flight when it died', ...describe(seeds, j.c, o.maxFrameSize, j.batch, j.index) })
  }
  for (const f of canary.failures) {
    failures.push({ what: `canary, ${((f.at - runStart) / 1000).toFixed(1)} s into the run of ${o.seconds} s: ${f.what}` })
    // The cases that ran in the 11 s before: a canary call times out after 5 s (request timeout) or 10 s (client).
    for (const j of recent) if (j.end >= f.at - 11_000 && j.start <= f.at) failures.push({ what: `ran ${f.at - j.start} ms before that canary failure`, ...describe(seeds, j.c, o.maxFrameSize, j.batch, j.index) })
  }
  if (!dead()) {
    // After the storm, a fresh client still gets correct answers.
    try {
      const c = await connectUserClient(target.port, target.upstreamDialect)
      const u = await c.getUser(CANARY_ID_BASE)
      if (toBigInt(u.id) !== BigInt(CANARY_ID_BASE) || !u.name.startsWith('canary-')) failures.push({ what: `after fuzzing, getUser(${CANARY_ID_BASE}) returned ${toBigInt(u.id)}/${u.name}` })
      await c.close()
    } catch (err) {
      failures.push({ what: `after fuzzing, a fresh client failed: ${err instanceof Error ? err.message : String(err)}` })
    }
  }
  for (const p of target.problems) failures.push({ what: `proxy logged: ${p}` })
  // Connections settle (the proxy sees our closes), then the final sample.
  await new Promise((r) => setTimeout(r, 1000))
  if (!dead()) await sampleOnce()
  return { seed: o.seed, seconds: o.seconds, ...totals, canaryCalls: canary.calls, canaryUpstreamTimeouts: canary.upstreamTimeouts, samples, failures }
}

export function formatFailure(seed: number, f: FuzzFailure): string {
  const where = f.batch === undefined ? '' : `\n  reproduce: seed ${seed}, drawCases(seeds, ${seed} + ${f.batch}, ${BATCH}, maxRepeat)[${f.index}]\n  plan: ${f.plan}\n  bytes: ${f.hex}`
  return `- ${f.what}${where}`
}
