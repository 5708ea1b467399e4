// Temp dirs for tests, removed when the test process exits (and by cleanup() when called earlier).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dirs = new Set<string>()
let hooked = false

function removeAll(): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs.clear()
}

export interface TempDir {
  readonly path: string
  /** Removes the directory now (idempotent). */
  cleanup(): void
}

/** Creates a fresh directory under the OS temp dir; it is removed at process exit at the latest. */
export function tempDir(prefix = 'thriftgate-test-'): TempDir {
  if (!hooked) {
    hooked = true
    process.on('exit', removeAll)
  }
  const path = mkdtempSync(join(tmpdir(), prefix))
  dirs.add(path)
  return {
    path,
    cleanup() {
      if (dirs.delete(path)) rmSync(path, { recursive: true, force: true })
    },
  }
}
