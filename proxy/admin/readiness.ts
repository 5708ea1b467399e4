// /readyz is the conjunction of named checks. The proxy registers "proxy" (listening, not
// draining) and "upstream" (TCP reachable); the cache and index add theirs ("redis", "index")
// with `readiness.add(...)`. Each check answers quickly: slow probes cache their result.

export interface CheckResult {
  readonly ok: boolean
  /** Shown in the /readyz body: why it failed, or what it checked. */
  readonly detail?: string
}

export interface ReadinessCheck {
  readonly name: string
  check(): CheckResult | Promise<CheckResult>
}

export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: ReadonlyArray<{ readonly name: string } & CheckResult>
}

/** A check that has not answered within this long counts as failed. */
const CHECK_TIMEOUT_MS = 2_000

export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>()
  private draining = false

  /** Adds (or replaces, by name) a check; returns a function that removes it. */
  add(check: ReadinessCheck): () => void {
    this.checks.set(check.name, check)
    return () => {
      if (this.checks.get(check.name) === check) this.checks.delete(check.name)
    }
  }

  /** From now on not ready, whatever the checks say: the first step of a graceful shutdown. */
  startDraining(): void {
    this.draining = true
  }

  get isDraining(): boolean {
    return this.draining
  }

  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(
      [...this.checks.values()].map(async (c) => {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<CheckResult>((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS)
        })
        try {
          const r = await Promise.race([Promise.resolve().then(() => c.check()), timeout])
          return { name: c.name, ...r }
        } catch (err) {
          return { name: c.name, ok: false, detail: `check failed: ${(err as Error).message}` }
        } finally {
          clearTimeout(timer)
        }
      }),
    )
    const checks = this.draining ? [{ name: 'draining', ok: false, detail: 'shutting down' }, ...results] : results
    return { ready: checks.every((c) => c.ok), checks }
  }
}
