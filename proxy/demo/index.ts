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
export { connectThrift, ThriftCallTimeoutError, ThriftClientClosedError, type ClientOptions, type ThriftClient } from './thrift-client.js'
export {
  demoGen,
  startDemoUpstream,
  USER_SERVICE_METHODS,
  type DemoTransport,
  type DemoUpstream,
  type DemoUpstreamOptions,
  type UserServiceMethod,
} from './upstream.js'
export { UserStore, seedUser, MIN_SEED_AGE, MAX_SEED_AGE, type User } from './user-store.js'
export type { UserBackend } from './user-backend.js'
