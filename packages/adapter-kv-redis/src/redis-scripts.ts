import { createHash } from 'node:crypto';

/**
 * The Lua scripts every write runs, so that a value, the scan index and the expiry index change
 * together: Redis runs a script alone, start to end. Keys are laid out under the store's prefix P:
 *
 * | Redis key | type | holds |
 * |---|---|---|
 * | `P` `k:` key | string | the value (see `redis-values.ts`), with Redis' own expiry |
 * | `P` `i` | sorted set, every score 0 | each key once: `ZRANGEBYLEX` walks them in byte order |
 * | `P` `e` | sorted set, score = expiry in ms | keys given an expiry, so that expired ones leave `P i` |
 *
 * A key that expires leaves its member in `P i` until a scan meets it (and drops it) or a write
 * with a TTL prunes a few due members of `P e`; neither ever returns an expired key.
 */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

// Shared by the scripts: `base` is `P k:`, the prefix of value keys.
const prelude = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Drops from the index up to 8 keys whose recorded expiry has passed and that are gone.
local function prune(idx, exp, base, now)
  local due = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, 8)
  for _, m in ipairs(due) do
    if redis.call('EXISTS', base .. m) == 0 then redis.call('ZREM', idx, m) end
    redis.call('ZREM', exp, m)
  end
end
-- Writes a value (ttl '' = none) and keeps both indexes in step. A key that exists is in the
-- index already (every write adds it, every delete removes it, each in one script): existed skips the ZADD.
local function put(data, idx, exp, base, member, value, ttl, existed)
  if not existed then redis.call('ZADD', idx, 'NX', 0, member) end
  if ttl == '' then
    redis.call('SET', data, value)
  else
    redis.call('SET', data, value, 'PX', ttl)
    local now = now_ms()
    prune(idx, exp, base, now)
    redis.call('ZADD', exp, now + tonumber(ttl), member)
  end
end
`;

function script(body: string): Script {
  return bare(`${prelude}${body}`);
}

function bare(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** KEYS: data, idx · ARGV: value, member → 1. The common write, kept short: no expiry, so no pruning. */
export const SET_PLAIN: Script = bare(`
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[2])
return 1`);

/** KEYS: data, idx, exp · ARGV: base, member, value, ttl → 1 */
export const SET = script(`
put(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1`);

/** KEYS: data, idx · ARGV: member → whether the key existed */
export const DELETE = script(`
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return n`);

/**
 * KEYS: data, idx · ARGV: delta, member → {1, new value} or {0, current value}. INCRBY keeps the
 * expiry and starts a missing (or expired) key from 0. A key INCRBY created holds exactly delta,
 * so only then can it be missing from the index (a key that existed is in it already; an equal
 * result from an existing key only repeats a harmless ZADD NX). The new value comes back as a
 * number while a Lua number (a double) holds it exactly, else read back as a string.
 */
export const INCREMENT = bare(`
local r = redis.pcall('INCRBY', KEYS[1], ARGV[1])
if type(r) == 'table' and r.err then return {0, redis.call('GET', KEYS[1])} end
if r == tonumber(ARGV[1]) then redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[2]) end
if r > -4503599627370496 and r < 4503599627370496 then return {1, r} end
return {1, redis.call('GET', KEYS[1])}`);

/**
 * KEYS: data, idx, exp · ARGV: base, member, has expected ('1'/'0'), expected, has desired,
 * desired, ttl → whether it swapped. Equal values have equal bytes (see redis-values.ts).
 */
export const COMPARE_AND_SWAP = script(`
local cur = redis.call('GET', KEYS[1])
if ARGV[3] == '1' then
  if cur ~= ARGV[4] then return 0 end
elseif cur then
  return 0
end
if ARGV[5] == '0' then
  if cur then redis.call('DEL', KEYS[1]) end
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
put(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[6], ARGV[7], cur)
return 1`);

/** KEYS: data, idx, exp · ARGV: base, member, ttl ('' = clear) → whether the key exists */
export const EXPIRE = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] == '' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  local now = now_ms()
  prune(KEYS[2], KEYS[3], ARGV[1], now)
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[2])
end
return 1`);

/** KEYS: idx, exp, data… · ARGV: base, ttl, then member and value per key → 1 */
export const SET_MANY = script(`
for i = 3, #KEYS do
  put(KEYS[i], KEYS[1], KEYS[2], ARGV[1], ARGV[2 * i - 3], ARGV[2 * i - 2], ARGV[2])
end
return 1`);

/** KEYS: idx, data… · ARGV: member per key → how many existed (a key given twice counts once) */
export const DELETE_MANY = script(`
local n = 0
for i = 2, #KEYS do
  n = n + redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], ARGV[i - 1])
end
return n`);

/**
 * KEYS: idx · ARGV: base, from, to (ZRANGEBYLEX bounds), limit → key, value, key, value, … in byte
 * order. Members whose value is gone (expired) are dropped from the index as the scan meets them.
 */
export const SCAN = script(`
local idx, base, from, to, limit = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local out, found = {}, 0
while found < limit do
  local want = math.min(limit - found, 512)
  local members = redis.call('ZRANGEBYLEX', idx, from, to, 'LIMIT', 0, want)
  if #members == 0 then break end
  local keys = {}
  for i, m in ipairs(members) do keys[i] = base .. m end
  local values = redis.call('MGET', unpack(keys))
  for i, m in ipairs(members) do
    if values[i] then
      out[#out + 1] = m
      out[#out + 1] = values[i]
      found = found + 1
    else
      redis.call('ZREM', idx, m)
    end
  end
  if #members < want then break end
  from = '(' .. members[#members]
end
return out`);

export const allScripts: readonly Script[] = [
  SET_PLAIN,
  SET,
  DELETE,
  INCREMENT,
  COMPARE_AND_SWAP,
  EXPIRE,
  SET_MANY,
  DELETE_MANY,
  SCAN,
];
