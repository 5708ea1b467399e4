// The nemesis: one fault at a time, chosen and timed by a seeded RNG, each logged with when it
// began and ended. Faults: kill -9 and restart (Redis, the upstream, one proxy), SIGSTOP/SIGCONT
// (any of them; one proxy, chosen by the seed, is the one killed and stopped), and latency (a burst of short SIGSTOPs of the upstream or Redis). After each fault
// the proxies are asked to backfill their index, as an operator would after an incident: unknown
// write outcomes drop index authority, and ranges are only answered from an authoritative index.
import { sleep } from '../support/net.js'
import type { Cluster, Member } from './cluster.js'
import { nowMs } from './clock.js'
import type { Fault, FaultKind } from './model.js'
import { Rng } from './rng.js'

export interface NemesisOptions {
  seed: number
  /** Quiet time between faults, ms (uniform in [min, max]). */
  gapMs: readonly [number, number]
  kinds: readonly FaultKind[]
}

export class Nemesis {
  readonly faults: Fault[] = []
  private stopping = false
  private wake: (() => void) | undefined
  private loop: Promise<void> = Promise.resolve()

  constructor(
    private readonly cluster: Cluster,
    private readonly opts: NemesisOptions,
  ) {}

  start(): void {
    this.loop = this.run()
  }

  /** Ends the current fault early (everything resumed and restarted) and stops. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wake?.()
    await this.loop
  }

  private async nap(ms: number): Promise<void> {
    if (this.stopping) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms)
      this.wake = () => {
        clearTimeout(t)
        resolve()
      }
    })
    this.wake = undefined
  }

  /** Every (fault, target) pair once, in a seeded order, then again: short runs still see each kind. */
  private schedule(rng: Rng): Array<{ kind: FaultKind; m: Member }> {
    const members = this.cluster.members
    const proxy = rng.pick(members.filter((m) => m.target.startsWith('proxy')))
    const out: Array<{ kind: FaultKind; m: Member }> = []
    for (const kind of this.opts.kinds) {
      const targets = kind === 'latency' ? members.filter((m) => m.target === 'upstream' || m.target === 'redis') : members.filter((m) => !m.target.startsWith('proxy') || m === proxy)
      for (const m of targets) out.push({ kind, m })
    }
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.int(0, i)
      ;[out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]]
    }
    return out
  }

  private async run(): Promise<void> {
    const rng = new Rng((this.opts.seed ^ 0x5bd1e995) >>> 0)
    let plan: Array<{ kind: FaultKind; m: Member }> = []
    while (!this.stopping) {
      await this.nap(rng.int(this.opts.gapMs[0], this.opts.gapMs[1]))
      if (this.stopping) break
      if (plan.length === 0) plan = this.schedule(rng)
      const { kind, m } = plan.shift() as { kind: FaultKind; m: Member }
      const fault: Fault = { kind, target: m.target, start: nowMs(), end: 0 }
      try {
        if (kind === 'kill') await this.kill(m, rng.int(200, 1500), fault)
        else if (kind === 'pause') await this.pause(m, rng.int(100, 1500), fault)
        else await this.latency(m, rng, fault)
      } catch (err) {
        fault.detail = `${fault.detail ?? ''} nemesis error: ${err instanceof Error ? err.message : String(err)}`.trim()
      }
      fault.end = nowMs()
      this.faults.push(fault)
      void this.cluster.backfillAll()
    }
  }

  private async kill(m: Member, downMs: number, fault: Fault): Promise<void> {
    const pid = m.pid
    await m.kill()
    fault.start = nowMs()
    await this.nap(downMs)
    await m.restart()
    fault.detail = `pid ${pid} killed, down ${downMs} ms, restarted as ${m.pid}`
  }

  private async pause(m: Member, ms: number, fault: Fault): Promise<void> {
    m.pause()
    fault.start = nowMs()
    try {
      await this.nap(ms)
    } finally {
      m.resume()
    }
    fault.detail = `stopped ${ms} ms`
  }

  private async latency(m: Member, rng: Rng, fault: Fault): Promise<void> {
    const bursts = rng.int(5, 15)
    for (let i = 0; i < bursts && !this.stopping; i++) {
      m.pause()
      await sleep(rng.int(5, 60))
      m.resume()
      await sleep(rng.int(5, 40))
    }
    fault.detail = `${bursts} stops of 5-60 ms`
  }
}
