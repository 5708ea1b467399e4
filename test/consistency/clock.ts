// One clock for every process of a run (clients, upstream): process.hrtime is CLOCK_MONOTONIC,
// which on Linux is one clock for the whole machine, so times taken in different processes
// compare exactly (no wall-clock steps or slewing). Milliseconds, fractional. The checker still
// allows CLOCK_SLACK_MS for the moments between taking a time and acting.
export const CLOCK_SLACK_MS = 1

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
