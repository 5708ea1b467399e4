// One clock for every process of a run (client, upstream): wall-clock milliseconds with sub-ms
// resolution. Each process anchors the monotonic clock to the wall clock once, so times from
// different processes on one machine compare to within about a millisecond (the checker allows
// CLOCK_SLACK_MS for it).
export const CLOCK_SLACK_MS = 2

const origin = performance.timeOrigin

export function nowMs(): number {
  return origin + performance.now()
}
