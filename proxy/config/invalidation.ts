// The invalidation expressions of `writes.<method>.invalidates`:
//   countUsers                    every cached entry of countUsers
//   getUser(id: u.id)             the getUser entry whose arg `id` equals the write's arg u, field id
//   getUser(1: 1.1)               the same by field ids (works without IDL)
// Names are resolved to field ids against the IDL later (see cross-check.ts).

/** One step of a path: a name (needs the IDL) or a numeric field id. */
export interface PathSegment {
  readonly name: string | undefined
  readonly id: number | undefined
}

export interface InvalidationBinding {
  /** The argument of the invalidated read method. */
  readonly param: PathSegment
  /** Where its value comes from in the write call's args: first the arg, then fields inside it. */
  readonly source: readonly PathSegment[]
}

export interface InvalidationExpr {
  readonly text: string
  readonly method: string
  /** Empty: every entry of `method`. */
  readonly bindings: readonly InvalidationBinding[]
}

export class InvalidationSyntaxError extends Error {
  override readonly name = 'InvalidationSyntaxError'
}

const FORM = 'the form is `method` or `method(param: arg.field, ...)`'

export function parseInvalidation(text: string): InvalidationExpr {
  let i = 0
  const fail = (what: string): never => {
    throw new InvalidationSyntaxError(`bad invalidation "${text}": ${what} at column ${i + 1}; ${FORM}`)
  }
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++
  }
  const word = (what: string): string => {
    ws()
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^\d+/.exec(text.slice(i))
    if (m === null) return fail(`expected ${what}`)
    i += m[0].length
    return m[0]
  }
  const segment = (s: string): PathSegment => (/^\d/.test(s) ? { name: undefined, id: Number(s) } : { name: s, id: undefined })

  const method = word('a method name')
  if (/^\d/.test(method)) {
    i -= method.length
    fail('expected a method name')
  }
  const bindings: InvalidationBinding[] = []
  ws()
  if (text[i] === '(') {
    i++
    ws()
    if (text[i] === ')') fail('expected at least one `param: arg` inside ()')
    for (;;) {
      const param = segment(word('an argument name'))
      ws()
      if (text[i] !== ':') fail(`expected ':' after "${param.name ?? param.id}"`)
      i++
      const source = [segment(word('the write argument it comes from'))]
      ws()
      while (text[i] === '.') {
        i++
        source.push(segment(word('a field name after "."')))
        ws()
      }
      bindings.push({ param, source })
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === ')') {
        i++
        break
      }
      fail(text[i] === undefined ? "missing ')'" : `unexpected "${text[i]}"`)
    }
  }
  ws()
  if (i < text.length) fail(`unexpected "${text[i]}"`)
  return { text, method, bindings }
}

export function segmentText(s: PathSegment): string {
  return s.name ?? String(s.id)
}
