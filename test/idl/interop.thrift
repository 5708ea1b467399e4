// Test IDL for codec and proxy interop: every Thrift type (uuid excepted: the 0.17 compiler
// cannot parse it), nested containers, optional fields, declared exceptions, oneway and a
// second service for multiplexing.
namespace js interop

enum Color { RED = 1, GREEN = 2, BLUE = 3 }

struct Inner {
  1: i32 n,
  2: optional string label,
}

struct AllTypes {
  1: bool b,
  2: i8 i8v,
  3: i16 i16v,
  4: i32 i32v,
  5: i64 i64v,
  6: double dv,
  7: string s,
  8: binary bin,
  9: Color color,
  10: Inner inner,
  11: list<i32> li,
  12: set<string> ss,
  13: map<string, i64> msi,
  14: list<list<i32>> nested,
  15: map<i32, list<Inner>> mli,
  16: set<i64> si64,
  17: list<bool> lb,
  18: map<string, bool> mb,
  19: optional string opt,
  20: list<double> ld,
  21: map<binary, Inner> mbin,
  30: bool b2,
  200: i32 farId,
}

exception NotFound {
  1: string what,
  2: i32 code,
}

exception Invalid {
  1: string reason,
}

service Interop {
  void ping(),
  AllTypes echo(1: AllTypes v),
  string echoString(1: string s),
  binary echoBinary(1: binary b),
  i64 echoI64(1: i64 v),
  double echoDouble(1: double v),
  list<AllTypes> echoList(1: list<AllTypes> v),
  map<string, set<i32>> echoMap(1: map<string, set<i32>> v),
  i32 add(1: i32 a, 2: i32 b),
  AllTypes find(1: string key) throws (1: NotFound nf, 2: Invalid inv),
  void fail(1: i32 kind),
  string slow(1: i32 ms, 2: string tag),
  oneway void notify(1: string event),
}

service Second {
  string hello(1: string who),
}
