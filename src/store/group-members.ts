/**
 * Group members live beside the group's JSON, not inside it: a sorted set of member values (in
 * the order they were added, RFC 7643 §2.4 leaves multi-valued order to the provider) and a hash
 * value -> member JSON. Adding or removing one member then costs O(log n) in Redis and nothing in
 * Node, whatever the group's size, where a JSON array made every membership PATCH parse, compare
 * and rewrite the whole group.
 *
 * The write itself is part of the resource write script (resource-scripts.ts), so the group's
 * version, its unique indexes and its members land together or not at all.
 */
import type { JsonObject } from '../scim/json-values';

/** How one write changes the members of a group. */
export type MemberWrite =
  /** Users, and group writes that leave members alone (a rename). */
  | { mode: 'none' }
  /** Exactly these members, in this order (POST, PUT, the import, a PATCH `replace members`). */
  | { mode: 'replace'; members: JsonObject[] }
  /** A PATCH that names members: these values leave, these members arrive (when not there yet). */
  | { mode: 'delta'; remove: string[]; add: JsonObject[] };

export const NO_MEMBER_CHANGE: MemberWrite = { mode: 'none' };

/**
 * The ARGV tail of the write script for `write`. The lists travel as one JSON argument each: a
 * hundred thousand members as separate arguments would overflow the call stack that spreads them.
 * Each member object is its own JSON string inside, stored as sent, never re-encoded by Lua.
 */
export function memberWriteArgs(write: MemberWrite): string[] {
  if (write.mode === 'none') return ['none'];
  const pairs = (members: JsonObject[]) => JSON.stringify(members.map((m) => [String(m.value), JSON.stringify(m)]));
  if (write.mode === 'replace') return ['replace', pairs(write.members)];
  return ['delta', pairs(write.add), JSON.stringify(write.remove)];
}

/**
 * The member part of the write script. Expects `membersOrder`, `membersByValue` and `m` (the
 * ARGV position of the mode) to be set; removals run before additions. Scores keep the order of
 * arrival; a member added again keeps its place and the object it arrived with, as an add of an
 * existing value does (RFC 7644 §3.5.2.1: no duplicates).
 */
export const WRITE_MEMBERS_LUA = `
local mode = ARGV[m]
if mode ~= 'none' then
  local top = redis.call('ZRANGE', membersOrder, -1, -1, 'WITHSCORES')
  local score = 0
  if top[2] then score = tonumber(top[2]) end
  if mode == 'replace' then
    redis.call('DEL', membersOrder, membersByValue)
    score = 0
  else
    for _, value in ipairs(cjson.decode(ARGV[m + 2])) do
      redis.call('ZREM', membersOrder, value)
      redis.call('HDEL', membersByValue, value)
    end
  end
  for _, pair in ipairs(cjson.decode(ARGV[m + 1])) do
    if not redis.call('ZSCORE', membersOrder, pair[1]) then
      score = score + 1
      redis.call('ZADD', membersOrder, score, pair[1])
      redis.call('HSET', membersByValue, pair[1], pair[2])
    end
  end
end
`;

/**
 * KEYS: resource, membersOrder, membersByValue. Returns {json or false, member JSON...}: the group
 * and its members from one moment, in batches so that no unpack exceeds Lua's stack.
 */
export const READ_GROUP_LUA = `
local out = {redis.call('GET', KEYS[1])}
if not out[1] then return out end
local total = redis.call('ZCARD', KEYS[2])
for start = 0, total - 1, 1000 do
  local values = redis.call('ZRANGE', KEYS[2], start, start + 999)
  if #values > 0 then
    local objects = redis.call('HMGET', KEYS[3], unpack(values))
    for i = 1, #objects do out[#out + 1] = objects[i] end
  end
end
return out
`;
