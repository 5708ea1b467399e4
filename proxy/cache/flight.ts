// Coalescing: one upstream fetch per key at a time in a sidecar. The first reader of a missing key
// leads (forwards its call, or asks the pool); readers of the same key that arrive meanwhile wait
// for the leader's answer instead of calling the upstream too.

/** What waiters are answered with: a result struct (binary protocol) or nothing (they forward). */
export interface FlightAnswer {
  readonly result: Buffer
  readonly negative: boolean
}

export class Flight {
  readonly #waiters: ((a: FlightAnswer | undefined) => void)[] = []
  readonly #timer: NodeJS.Timeout
  readonly #onDone: () => void
  #done = false

  /** `onDone` runs once, when the flight finishes (by answer, failure or timeout). */
  constructor(timeoutMs: number, onDone: () => void) {
    this.#onDone = onDone
    // Safety net only: the core tells a leader how its call ended (onReply, onFailure, onSettled);
    // this covers a caller that drives the handler itself and a bug on either side.
    this.#timer = setTimeout(() => this.finish(undefined), timeoutMs)
    this.#timer.unref()
  }

  get done(): boolean {
    return this.#done
  }

  get waiting(): number {
    return this.#waiters.length
  }

  wait(): Promise<FlightAnswer | undefined> {
    if (this.#done) return Promise.resolve(undefined)
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  finish(answer: FlightAnswer | undefined): void {
    if (this.#done) return
    this.#done = true
    clearTimeout(this.#timer)
    this.#onDone()
    for (const w of this.#waiters) w(answer)
    this.#waiters.length = 0
  }
}
