// The demo upstream's interface: cheap primary-key reads, deliberately slow secondary
// lookups that scan, writes that thriftgate uses to keep caches and indexes correct.
namespace js demo

struct User {
  1: i64 id,
  2: string name,
  3: string email,
  4: i32 age,
  5: optional list<string> tags,
}

exception NotFound {
  1: string message,
}

struct UserPage {
  1: list<User> users,
  2: optional i64 nextAfter,
}

service UserService {
  User getUser(1: i64 id) throws (1: NotFound notFound),
  User getUserByEmail(1: string email) throws (1: NotFound notFound),
  list<User> listUsersByAge(1: i32 lo, 2: i32 hi, 3: i32 limit),
  i64 countUsers(),
  User putUser(1: User u),
  void deleteUser(1: i64 id) throws (1: NotFound notFound),
  UserPage scanUsers(1: i64 afterId, 2: i32 limit),
  oneway void touch(1: i64 id),
}
