// Reads a Dockerfile into stages and instructions, enough for the production-install test to run what
// the image would run (COPY lists, RUN npm lines, ENTRYPOINT/CMD in exec form) without a container engine.

export interface Instruction {
  readonly op: string
  readonly args: string
  readonly line: number
}

export interface Stage {
  readonly name: string | undefined
  readonly base: string
  readonly instructions: Instruction[]
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let l = lines[i] ?? ''
    if (/^\s*(#|$)/.test(l)) continue
    // A trailing backslash continues the instruction on the next line.
    while (/\\\s*$/.test(l) && i + 1 < lines.length) l = `${l.replace(/\\\s*$/, ' ')}${lines[++i] ?? ''}`
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l)
    if (m === null) throw new Error(`Dockerfile line ${start + 1}: cannot read "${l}"`)
    const op = (m[1] ?? '').toUpperCase()
    const args = (m[2] ?? '').trim()
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)
      stages.push({ base: f?.[1] ?? args, name: f?.[2], instructions: [] })
    } else if (op !== 'ARG' || stages.length > 0) {
      const stage = stages[stages.length - 1]
      if (stage === undefined) throw new Error(`Dockerfile line ${start + 1}: ${op} before FROM`)
      stage.instructions.push({ op, args, line: start + 1 })
    }
  }
  return stages
}

/** ENTRYPOINT/CMD must be JSON arrays (exec form): a shell form would put /bin/sh between the signal and node. */
export function execForm(i: Instruction | undefined, what: string): string[] {
  if (i === undefined) throw new Error(`the Dockerfile's runtime stage has no ${what}`)
  const v: unknown = JSON.parse(i.args)
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new Error(`${what} (line ${i.line}) is not in exec form`)
  return v as string[]
}

export interface Copy {
  readonly from: string | undefined
  readonly sources: string[]
  readonly dest: string
}

export function parseCopy(i: Instruction): Copy {
  const parts = i.args.split(/\s+/)
  let from: string | undefined
  while (parts[0]?.startsWith('--') === true) {
    const flag = parts.shift() as string
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length)
  }
  const dest = parts.pop()
  if (dest === undefined || parts.length === 0) throw new Error(`COPY at line ${i.line} needs a source and a destination`)
  return { from, sources: parts, dest }
}
