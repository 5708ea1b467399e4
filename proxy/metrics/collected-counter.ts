// A Prometheus counter whose value is read at scrape time: the hot path bumps a plain number in
// its own metrics object, and `collect` copies it into the counter (reset first: `inc` adds, and
// the source already holds the running total).
import { Counter, type Registry } from 'prom-client'

export function collectedCounter(registry: Registry, name: string, help: string, labelNames: readonly string[], set: (c: Counter) => void): Counter {
  return new Counter({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset()
      set(this)
    },
  })
}
