// One Redis command over a raw socket, for readiness checks without a client library's retry
// logic. RESP2: the command goes out as an array of bulk strings; the reply is read whole for the
// simple types the helpers need (+simple, -error, :integer, $bulk).
import net from 'node:net'

export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError'
}

function encode(args: readonly string[]): Buffer {
  let s = `*${args.length}\r\n`
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`
  return Buffer.from(s)
}

/** Parses one complete reply from `buf`, or returns undefined if more bytes are needed. */
function parse(buf: Buffer): string | number | null | RedisReplyError | undefined {
  const eol = buf.indexOf('\r\n')
  if (eol < 0) return undefined
  const line = buf.toString('utf8', 1, eol)
  switch (buf[0]) {
    case 0x2b: // '+'
      return line
    case 0x2d: // '-'
      return new RedisReplyError(line)
    case 0x3a: // ':'
      return Number(line)
    case 0x24: {
      // '$'
      const n = Number(line)
      if (n < 0) return null
      if (buf.length < eol + 2 + n + 2) return undefined
      return buf.toString('utf8', eol + 2, eol + 2 + n)
    }
    default:
      return new RedisReplyError(`unsupported reply type ${String.fromCharCode(buf[0] ?? 0)}`)
  }
}

/** Sends one command to host:port and resolves with its reply (rejects on -ERR, timeout or close). */
export function redisCommand(port: number, args: readonly string[], opts: { host?: string; timeoutMs?: number } = {}): Promise<string | number | null> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: opts.host ?? '127.0.0.1' })
    let buf: Buffer = Buffer.alloc(0)
    const timer = setTimeout(() => finish(new Error(`redis ${args[0]} on port ${port}: no reply within ${opts.timeoutMs ?? 2000}ms`)), opts.timeoutMs ?? 2000)
    const finish = (r: string | number | null | Error): void => {
      clearTimeout(timer)
      s.destroy()
      if (r instanceof Error) reject(r)
      else resolve(r)
    }
    s.on('error', (e) => finish(e))
    s.on('close', () => finish(new Error(`redis ${args[0]} on port ${port}: connection closed without a reply`)))
    s.on('connect', () => s.write(encode(args)))
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d])
      const r = parse(buf)
      if (r !== undefined) finish(r)
    })
  })
}
