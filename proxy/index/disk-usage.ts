// Bytes on disk of a directory tree (the index's SST, WAL and MANIFEST files), for metrics/stats.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

export async function directoryBytes(dir: string): Promise<number> {
  let total = 0
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) total += await directoryBytes(p)
    else if (e.isFile()) total += await stat(p).then((s) => s.size, () => 0)
  }
  return total
}
