// The demo: a UserService upstream on the real `thrift` library, and the helpers that serve a
// generated processor in any dialect (also used by the test peers).
export {
  listenThrift,
  libraryStack,
  thriftLib,
  HEADER_PROTOCOL_ID,
  type ListenOptions,
  type ThriftConnection,
  type ThriftLib,
  type ThriftListener,
  type ThriftProtocol,
  type ThriftTransport,
} from './thrift-server.js'
export { connectThrift, ThriftClientClosedError, type ClientOptions, type ThriftClient } from './thrift-client.js'
