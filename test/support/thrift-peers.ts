// Real Thrift peers for tests: servers and clients of the `thrift` npm library (0.24) running the
// code thrift-compiler 0.17 generated in test/gen (test/idl/interop.thrift: Interop, Second;
// config/demo/user.thrift: UserService). Never mocks: every byte is written and read by the library.
//
// What works (all tested in thrift-peers.test.ts, client <-> server direct):
//   transport framed | buffered | header  ×  protocol binary | compact  ×  multiplexed or not = 12.
//   "buffered" is the unframed transport (the codec calls it 'unframed').
//
// Library quirks found, and what these helpers do about them:
// 1. 0.17 generated code uses `thrift.Q` (gone in 0.24) whenever a handler's `length` equals the
//    IDL arity, and for client calls made without a callback. Handlers are wrapped callback-style
//    with length = arity + 1 (thrift-lib.ts callbackHandler); clients always pass a callback.
// 2. Header SERVER: the library's loop reuses one transport per connection; after a message it
//    tries to read the next one from an empty buffer, which clears "the client sent headers". A
//    reply completed later (timer, I/O) goes out WITHOUT the THeader wrapper. Our header servers run
//    the library's THeaderProtocol over a fresh transport per frame (proxy/demo/thrift-server.ts),
//    so async handlers (slow) work. They accept THeader frames only (the library's loop also
//    sniffs unframed binary/compact; ours does not).
// 3. Header CLIENT: generated send_* flush the transport, never THeaderProtocol.flush, so the
//    library's "header" client sends a bare unframed message with no THeader. Our clients make the
//    transport call the library's own writeHeaders() on flush (THeader seqid = message seqid,
//    protocol id 0 or 2, no info headers, flags 0, Node padding 0-3 bytes).
// 4. TApplicationException.write emits field 2 (type) from `.code`, not `.type`: library servers
//    send application exceptions WITHOUT a type field (readers default to UNKNOWN = 0), message only.
//    Our Interop.fail(kind) sets `.code` so it answers with the type; everything else the
//    generated code answers (undeclared errors, unknown methods) has no type field on the wire.
// 5. Undeclared handler errors become TApplicationException UNKNOWN with the error's message.
// 6. Pending client calls are never failed by the library when the connection closes; ours are
//    (ThriftClientClosedError).
// 7. map<binary, …> keys are JS object keys: the library turns the key Buffer into a UTF-8 string,
//    so non-UTF-8 binary map keys do not survive a library round trip. Same for i64 map keys.
// 8. The compact protocol never clears its seqid, so a server answering pipelined calls from one
//    read logs "SeqId already set" (harmless; filtered out of test output).
// 9. The library echoes -0.0 as 0.0 and normalises NaN payloads (see THRIFT-WIRE-NOTES).
// 10. The library's Node server handles pipelined calls concurrently: replies can come out of
//    order (slow(50) then add() → add's reply first).
// 11. TFramedTransport + THeaderProtocol would double-frame (THeader carries its own length), so
//    header peers use TBufferedTransport under THeaderProtocol.
// 12. Compact readBool for a container element (list/set/map, not a field) tests
//    `readByte().value`, but readByte returns a number: every such bool READS as false. The
//    library WRITES them correctly (01 true, 02 false). A codec test feeding a library client a
//    list<bool> in compact must expect all-false.
// 13. A library client silently drops a reply whose seqid it does not know (the call just waits).
//    Test clients therefore fail each call after callTimeoutMs (default 10 s, ThriftCallTimeoutError).
export {
  ALL_DIALECTS,
  PEER_PROTOCOLS,
  PEER_TRANSPORTS,
  appException,
  dialectName,
  i64,
  testGen,
  thriftLib,
  toBigInt,
  type Int64Value,
  type PeerDialect,
  type PeerProtocol,
  type PeerTransport,
} from './thrift-lib.js'
export { CallLog, type RecordedCall } from './call-log.js'
export {
  INTEROP_METHODS,
  defaultInteropHandler,
  invalid,
  notFound,
  startInteropServer,
  type AllTypesValue,
  type InnerValue,
  type InteropHandler,
  type InteropServer,
  type InteropServerOptions,
} from './interop-server.js'
export {
  USER_METHODS,
  connectInteropClient,
  connectUserClient,
  type ConnectOptions,
  type InteropClient,
  type UserClient,
  type UserPageValue,
  type UserValue,
} from './thrift-clients.js'
export {
  captureClientBytes,
  captureUserClientBytes,
  interopReplyWithBytes,
  replyWithBytes,
  type Outcome,
} from './byte-capture.js'
export { rawConnect, startRawServer, wrapSocket, type RawConnection, type RawServer } from './raw-tcp.js'
/** The UserService server is the demo upstream (product code): same store, stats and options. */
export { startDemoUpstream as startUserServer, type DemoUpstream, type DemoUpstreamOptions } from '../../proxy/demo/index.js'
