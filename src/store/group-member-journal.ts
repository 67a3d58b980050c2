/**
 * What lets the worker's membership sync cost the change, not the group. Beside each group's
 * members (group-members.ts) Redis keeps:
 *
 * - the journal: every member value a membership write named, scored by that write's version;
 * - the versions: one entry per group write since the last sync, "<v>", or "<v>!" when the write
 *   replaced all members (POST, PUT, `replace members`, the import);
 * - members in Secret Server: member value -> the Secret Server user id the bridge put in the group
 *   (or found there at its last full sync);
 * - pending: members that had no Secret Server user yet at the last sync;
 * - the group link's `membersVersion`: the version the last membership sync covered.
 *
 * A sync after `membersVersion` B at version V reads only the values journalled in (B, V] and the
 * pending ones, compares each with what the bridge put in Secret Server, and sends the difference.
 * It trusts the journal only when it holds an entry for every version in (B, V] and none of them
 * replaced all members: a write by a bridge that kept no journal (an older release during a rolling
 * upgrade) leaves a gap, and the sync lists Secret Server's members instead, as it does on a forced
 * resync, for a group it just linked or created, and in a dry run.
 */

/** One member the journal names, as it stands now. */
export interface JournalledMember {
  value: string;
  /** Whether the SCIM group holds it now. */
  member: boolean;
  /** The Secret Server user id the bridge put in the group for it, if any. */
  inSecretServer?: number;
}

/** What a membership sync leaves behind, written in one script with the new `membersVersion`. */
export interface MemberSyncRecord {
  /** The group version the sync covered: journal and version entries up to it are done. */
  upTo: number;
  /** A full sync: what the bridge knew of Secret Server is replaced by `inSecretServer`. */
  replaceAll: boolean;
  /** Member value -> Secret Server user id now in the group. */
  inSecretServer: Array<[string, number]>;
  /** Values no longer in the group in Secret Server, or no longer the bridge's to track there. */
  notInSecretServer: string[];
  /** Values the sync looked at; those not in `pending` leave the pending set. */
  looked: string[];
  /** Values still waiting for their user to reach Secret Server. */
  pending: string[];
}

/**
 * KEYS: journal, versions, membersOrder, membersInSecretServer, membersPending
 * ARGV: from (exclusive), to (inclusive)
 * Returns {0} when the journal does not cover (from, to]; else {1, value, isMember, ssId or '', ...}
 * for the values journalled in (from, to] and the pending ones. A value named again after `to`
 * scores above it and is left to the sync of that later version.
 */
export const READ_MEMBER_CHANGES_LUA = `
local from = tonumber(ARGV[1])
local to = tonumber(ARGV[2])
if to < from then return {0} end
local versions = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. from, to)
if #versions ~= to - from then return {0} end
for _, v in ipairs(versions) do
  if string.sub(v, -1) == '!' then return {0} end
end
local out = {1}
local seen = {}
local function add(value)
  if seen[value] then return end
  seen[value] = true
  local member = 0
  if redis.call('ZSCORE', KEYS[3], value) then member = 1 end
  out[#out + 1] = value
  out[#out + 1] = member
  out[#out + 1] = redis.call('HGET', KEYS[4], value) or ''
end
for _, value in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. from, to)) do add(value) end
for _, value in ipairs(redis.call('SMEMBERS', KEYS[5])) do add(value) end
return out
`;

/**
 * KEYS: journal, versions, membersInSecretServer, membersPending, link
 * ARGV: upTo, replaceAll ('1'|'0'), inSecretServer pairs JSON, notInSecretServer JSON, looked JSON, pending JSON
 */
export const RECORD_MEMBER_SYNC_LUA = `
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[3], KEYS[4])
end
for _, pair in ipairs(cjson.decode(ARGV[3])) do redis.call('HSET', KEYS[3], pair[1], pair[2]) end
for _, value in ipairs(cjson.decode(ARGV[4])) do redis.call('HDEL', KEYS[3], value) end
for _, value in ipairs(cjson.decode(ARGV[5])) do redis.call('SREM', KEYS[4], value) end
for _, value in ipairs(cjson.decode(ARGV[6])) do redis.call('SADD', KEYS[4], value) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
redis.call('HSET', KEYS[5], 'membersVersion', ARGV[1])
return 1
`;

/** The reply of READ_MEMBER_CHANGES_LUA as members, or null when the journal does not cover the range. */
export function parseMemberChanges(reply: unknown): JournalledMember[] | null {
  const list = reply as Array<string | number>;
  if (Number(list[0]) !== 1) return null;
  const out: JournalledMember[] = [];
  for (let i = 1; i + 2 < list.length; i += 3) {
    const ss = String(list[i + 2]);
    out.push({ value: String(list[i]), member: Number(list[i + 1]) === 1, ...(ss === '' ? {} : { inSecretServer: Number(ss) }) });
  }
  return out;
}
