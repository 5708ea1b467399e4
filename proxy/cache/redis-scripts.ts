// The Lua scripts of the shared tier. Each touches only keys passed in KEYS, all carrying the same
// hash tag, so they run unchanged on one Redis, Redis Cluster, Valkey and KeyDB (EVAL/EVALSHA,
// GET/SET NX PX/DEL/INCR exist in all of them since Redis 2.6).
//
// Stale-set protection (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013, section 3.2.1,
// leases): a reader that misses takes a lease token before it asks the upstream, and its fill is
// stored only if the lease is still its own and the method generation has not moved. An
// invalidation deletes the entry *and* the lease, so a fill that fetched the old value before a
// write can never land after that write's invalidation.

/**
 * Lookup. KEYS: gen, data, lease. ARGV: now (ms), lease token ('' = take no lease), lease ms.
 * Returns {gen, value or nil, state}: state 'f' fresh value, 'l' lease taken (value absent or
 * stale), 'h' lease held by someone else, 'n' no lease asked. A value filled under an older
 * generation is reported absent (the method was invalidated as a whole).
 */
export const LOOKUP_LUA = `
local gen = redis.call('GET', KEYS[1]) or '0'
local v = redis.call('GET', KEYS[2])
if v then
  local g, fresh = string.match(v, '^v1|(%d+)|(%d+)|')
  if g ~= gen then
    v = false
  elseif tonumber(fresh) > tonumber(ARGV[1]) then
    return {gen, v, 'f'}
  end
end
if ARGV[2] == '' then return {gen, v, 'n'} end
if redis.call('SET', KEYS[3], ARGV[2], 'NX', 'PX', ARGV[3]) then return {gen, v, 'l'} end
return {gen, v, 'h'}
`

/**
 * Conditional fill. KEYS: gen, data, lease. ARGV: generation seen at lookup, lease token, value,
 * ttl ms. Returns 1 stored, 0 rejected (method invalidated), -1 rejected (lease lost: the key was
 * invalidated, or the lease expired and maybe passed to another reader).
 */
export const FILL_LUA = `
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return -1 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('DEL', KEYS[3])
return 1
`

/** Gives a lease back early (the fetch failed) so waiting sidecars need not wait it out. KEYS: lease. ARGV: token. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`
