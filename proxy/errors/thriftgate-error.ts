// The one base of thriftgate's typed errors: a stable string `code` (docs/errors.md lists every
// one) and `cause` when wrapping. Each area subclasses it with its own name and code union
// (ProxyError, CacheError, IndexError, K8sError, ...) so callers can narrow by class or by code.

export class ThriftgateError<Code extends string = string> extends Error {
  override readonly name: string = 'ThriftgateError'
  readonly code: Code

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
