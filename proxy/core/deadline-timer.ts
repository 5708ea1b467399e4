// One timer per connection for its calls' request timeouts, armed for the earliest deadline,
// instead of a timer per call: a reply then costs no timer operation, and the timer fires only when
// a call may have expired (or once per timeout period on a busy connection, to re-arm).
import { performance } from 'node:perf_hooks'

export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined
  private at = Infinity

  /** `onFire` scans the calls and re-arms for the next deadline (see arm). */
  constructor(private readonly onFire: () => void) {}

  /** Makes sure the timer fires no later than `deadline` (a performance.now() value). */
  arm(deadline: number): void {
    if (deadline >= this.at) return
    clearTimeout(this.timer)
    this.at = deadline
    this.timer = setTimeout(this.fire, Math.max(0, deadline - performance.now()))
  }

  clear(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.at = Infinity
  }

  private readonly fire = (): void => {
    this.timer = undefined
    this.at = Infinity
    this.onFire()
  }
}
