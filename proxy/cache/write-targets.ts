// What a configured write invalidates, computed from the write call's own arguments. For
// `getUser(id: u.id)` the value at the write's args path (u -> id) becomes argument `id` of a
// getUser args struct, whose canonical bytes are exactly the key a real getUser call produces
// (keys.ts). When a bound value is absent from the write, the whole method is invalidated: a
// coarser invalidation is always correct, a missed one never is.
import { extractField, type Message, type TField } from '../codec/index.js'
import { field, keyForArgs } from './keys.js'
import type { WriteRule } from './rules.js'
import type { InvalidationItem } from './tiers.js'

export function invalidationsFor(w: WriteRule, m: Message): InvalidationItem[] {
  const out: InvalidationItem[] = []
  for (const t of w.targets) {
    if (t.bindings === undefined) {
      out.push({ kind: 'method', rule: t.read })
      continue
    }
    const fields: TField[] = []
    let complete = true
    for (const b of t.bindings) {
      let v
      try {
        v = extractField(m.payload, m.bodyOffset, m.dialect.protocol, b.source)
      } catch {
        v = undefined
      }
      if (v === undefined) {
        complete = false
        break
      }
      fields.push(field(b.paramId, v))
    }
    out.push(complete ? { kind: 'key', key: keyForArgs(t.read, fields) } : { kind: 'method', rule: t.read })
  }
  return out
}
