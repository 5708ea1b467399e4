// The RFC 6902 subset injection produces (add/replace/remove), applied the way the API server applies an
// admission webhook's patch, so `thriftgate inject` writes exactly what the webhook would have made.
import { K8sError, K8sErrorCode } from './errors.js'
import type { JsonPatchOp } from './types.js'

/** RFC 6901 §3: `~` is written `~0` and `/` is written `~1` inside a reference token. */
export function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1')
}

function parsePointer(path: string): string[] {
  if (path === '') return []
  if (!path.startsWith('/')) throw badPatch(path, 'a JSON pointer starts with "/"')
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
}

function badPatch(path: string, why: string): K8sError {
  return new K8sError(K8sErrorCode.BAD_MANIFEST, `cannot apply JSON patch at "${path}": ${why}`)
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null
}

/** Returns a patched deep copy of `doc`; `doc` itself is not modified. */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  let root: unknown = structuredClone(doc)
  for (const op of ops) {
    const tokens = parsePointer(op.path)
    if (tokens.length === 0) {
      if (op.op === 'remove') throw badPatch(op.path, 'cannot remove the whole document')
      root = structuredClone(op.value)
      continue
    }
    let parent: unknown = root
    for (const t of tokens.slice(0, -1)) {
      if (!isContainer(parent)) throw badPatch(op.path, `"${t}" is below a value that is not a map or list`)
      parent = Array.isArray(parent) ? parent[Number(t)] : (parent as Record<string, unknown>)[t]
    }
    const last = tokens[tokens.length - 1] as string
    if (!isContainer(parent)) throw badPatch(op.path, 'the parent does not exist or is not a map or list')
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last)
      const max = op.op === 'add' ? parent.length : parent.length - 1
      if (!/^(0|[1-9][0-9]*|-)$/.test(last) || index > max) throw badPatch(op.path, 'list index out of range')
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value))
      else if (op.op === 'replace') parent[index] = structuredClone(op.value)
      else parent.splice(index, 1)
    } else {
      const obj = parent as Record<string, unknown>
      if (op.op !== 'add' && !Object.hasOwn(obj, last)) throw badPatch(op.path, 'no such member')
      if (op.op === 'remove') delete obj[last]
      else obj[last] = structuredClone(op.value)
    }
  }
  return root as T
}
