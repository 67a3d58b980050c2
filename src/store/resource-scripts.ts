/**
 * Lua scripts that make each SCIM write atomic: version check, uniqueness across the
 * case-insensitive indexes, the resource JSON, its place in the paging order and its dirty
 * marker (the promise that a worker will carry it to Secret Server) all land together or not at all.
 */
import { WRITE_MEMBERS_LUA } from './group-members';

/**
 * KEYS: resource, order, sequence, dirty, index_1..index_n, then for a group membersOrder, membersByValue
 * ARGV: id, expected ('create' | version number), json, dirtyMember, nowMs, markDirty ('1'|'0'),
 *       indexCount, then per index: oldValue, newValue ('' = none), then the member write
 *       (group-members.ts: 'none' | 'replace' ... | 'delta' ...)
 * Returns {'ok'} | {'exists'} | {'notfound'} | {'version', current} | {'conflict', indexPosition}
 */
export const WRITE_RESOURCE_LUA = `
local id = ARGV[1]
local expected = ARGV[2]
local indexCount = tonumber(ARGV[7])
local current = redis.call('GET', KEYS[1])
if expected == 'create' then
  if current then return {'exists'} end
else
  if not current then return {'notfound'} end
  local version = cjson.decode(current)['meta']['version']
  if tostring(version) ~= expected then return {'version', tostring(version)} end
end
for i = 1, indexCount do
  local newValue = ARGV[7 + 2 * i]
  if newValue ~= '' then
    local owner = redis.call('HGET', KEYS[4 + i], newValue)
    if owner and owner ~= id then return {'conflict', tostring(i)} end
  end
end
for i = 1, indexCount do
  local oldValue = ARGV[6 + 2 * i]
  local newValue = ARGV[7 + 2 * i]
  if oldValue ~= '' and oldValue ~= newValue and redis.call('HGET', KEYS[4 + i], oldValue) == id then
    redis.call('HDEL', KEYS[4 + i], oldValue)
  end
  if newValue ~= '' then redis.call('HSET', KEYS[4 + i], newValue, id) end
end
redis.call('SET', KEYS[1], ARGV[3])
if expected == 'create' then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), id)
end
if ARGV[6] == '1' then redis.call('ZADD', KEYS[4], ARGV[5], ARGV[4]) end
local membersOrder = KEYS[5 + indexCount]
local membersByValue = KEYS[6 + indexCount]
local m = 8 + 2 * indexCount
${WRITE_MEMBERS_LUA}
return {'ok'}
`;

/**
 * KEYS: resource, order, dirty, index_1..index_n, then for a group membersOrder, membersByValue
 * ARGV: id, expectedVersion, dirtyMember, nowMs, indexCount, then per index: value ('' = none)
 */
export const DELETE_RESOURCE_LUA = `
local id = ARGV[1]
local current = redis.call('GET', KEYS[1])
if not current then return {'notfound'} end
local version = cjson.decode(current)['meta']['version']
if tostring(version) ~= ARGV[2] then return {'version', tostring(version)} end
local indexCount = tonumber(ARGV[5])
for i = 1, indexCount do
  local value = ARGV[5 + i]
  if value ~= '' and redis.call('HGET', KEYS[3 + i], value) == id then redis.call('HDEL', KEYS[3 + i], value) end
end
for i = 4 + indexCount, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], id)
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
return {'ok'}
`;

/**
 * Records a worker's outcome and clears the dirty marker only if nothing newer was written
 * meanwhile, so a change made during a sync is never forgotten.
 * KEYS: resource, link, dirty   ARGV: dirtyMember, syncedVersion, field1, value1, ...
 */
export const MARK_SYNCED_LUA = `
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
local current = redis.call('GET', KEYS[1])
local upToDate = true
if current then
  local version = cjson.decode(current)['meta']['version']
  upToDate = tonumber(version) <= tonumber(ARGV[2])
end
if upToDate then redis.call('ZREM', KEYS[3], ARGV[1]) return 1 end
return 0
`;
