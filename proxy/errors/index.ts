// The base error class every area's typed errors extend. Imports nothing: any folder may use it.
export { ThriftgateError } from './thriftgate-error.js'
