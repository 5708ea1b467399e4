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
  readonly #joinable: () => boolean
  #done = false

  /**
   * `onDone` runs once, when the flight finishes (by answer, failure or timeout). `joinable` says
   * whether a reader arriving now may still wait for this flight's answer (see joinable()).
   */
  constructor(timeoutMs: number, onDone: () => void, joinable: () => boolean = () => true) {
    this.#onDone = onDone
    this.#joinable = joinable
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

  /**
   * False once an invalidation of the key may have passed since the flight began: its answer may be
   * the value a write overwrote, and a reader invoked after that write's reply must not get it.
   */
  joinable(): boolean {
    return !this.#done && this.#joinable()
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
