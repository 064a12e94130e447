// The Lua scripts for the calls a single command cannot do atomically. Keys: the subject's stream
// (`<prefix>s:<subject>`) and the consumer's settings hash (`<prefix>c:<subject>:<name>`),
// plus the de-duplication key of a publish. A dead-letter stream is named inside the pull
// script from the settings (so this adapter is for a single Redis, not a cluster).

/** KEYS: stream, [dedup key]. ARGV: data, headers JSON or '', message id or '', window ms, maxlen or '0'. */
export const publishScript = `
if KEYS[2] then
  local prior = redis.call('GET', KEYS[2])
  if prior then return {prior, 1} end
end
local args = {KEYS[1]}
if ARGV[5] ~= '0' then
  table.insert(args, 'MAXLEN'); table.insert(args, '~'); table.insert(args, ARGV[5])
end
table.insert(args, '*'); table.insert(args, 'd'); table.insert(args, ARGV[1])
if ARGV[2] ~= '' then table.insert(args, 'h'); table.insert(args, ARGV[2]) end
if ARGV[3] ~= '' then table.insert(args, 'm'); table.insert(args, ARGV[3]) end
local id = redis.call('XADD', unpack(args))
if KEYS[2] then redis.call('SET', KEYS[2], id, 'PX', ARGV[4]) end
return {id, 0}
`;

/** KEYS: stream, settings. ARGV: group, start id, ack wait ms, max deliveries or '', dead-letter subject or ''. */
export const ensureScript = `
local created = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(created.err, 'BUSYGROUP') then return created end
redis.call('HSET', KEYS[2], 'ackWaitMs', ARGV[3], 'maxDeliveries', ARGV[4], 'deadLetter', ARGV[5])
return 1
`;

/** KEYS: stream, settings. ARGV: group. Returns 1 when the consumer existed. */
export const deleteScript = `
local existed = redis.call('DEL', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 1 then
  existed = existed + redis.call('XGROUP', 'DESTROY', KEYS[1], ARGV[1])
end
if existed > 0 then return 1 end
return 0
`;

/**
 * KEYS: stream, settings. ARGV: group, member, count, autoclaim cursor, key prefix.
 * Due redeliveries first (XAUTOCLAIM past the ack wait; past max deliveries they are
 * acknowledged and copied to the dead-letter stream instead), then new messages.
 * Returns {next cursor, {{id, fields, deliveries}, …}, ack wait ms}.
 */
export const pullScript = `
local cfg = redis.call('HMGET', KEYS[2], 'ackWaitMs', 'maxDeliveries', 'deadLetter')
if not cfg[1] then return redis.error_reply('NOTFOUND no such consumer') end
local maxDeliveries = tonumber(cfg[2])
local deadLetter = cfg[3]
local count = tonumber(ARGV[3])
local out = {}
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], cfg[1], ARGV[4], 'COUNT', count)
for _, entry in ipairs(claimed[2]) do
  local id, fields = entry[1], entry[2]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  local deliveries = pending[1] and pending[1][4] or 1
  if maxDeliveries and deliveries > maxDeliveries then
    -- Given up: the last delivery was the limit's. The dead letter says where it came from.
    redis.call('XACK', KEYS[1], ARGV[1], id)
    if deadLetter and deadLetter ~= '' and fields then
      local data, headers, messageId = '', {}, nil
      for i = 1, #fields, 2 do
        if fields[i] == 'd' then data = fields[i + 1]
        elseif fields[i] == 'h' then headers = cjson.decode(fields[i + 1])
        elseif fields[i] == 'm' then messageId = fields[i + 1] end
      end
      local subject = string.sub(KEYS[1], string.len(ARGV[5]) + 3)
      table.insert(headers, {'Keel-Dead-Letter-Subject', subject})
      table.insert(headers, {'Keel-Dead-Letter-Consumer', ARGV[1]})
      table.insert(headers, {'Keel-Dead-Letter-Position', id})
      table.insert(headers, {'Keel-Deliveries', tostring(deliveries - 1)})
      if messageId then table.insert(headers, {'Keel-Dead-Letter-Message-Id', messageId}) end
      redis.call('XADD', ARGV[5] .. 's:' .. deadLetter, '*', 'd', data, 'h', cjson.encode(headers))
    end
  else
    table.insert(out, {id, fields, deliveries})
  end
end
if #out < count then
  local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', count - #out, 'STREAMS', KEYS[1], '>')
  if read then
    for _, entry in ipairs(read[1][2]) do table.insert(out, {entry[1], entry[2], 1}) end
  end
end
return {claimed[1], out, cfg[1]}
`;

/** KEYS: stream, settings. ARGV: group, id. 1 when it was pending. */
export const ackScript = `
if redis.call('EXISTS', KEYS[2]) == 0 then return redis.error_reply('NOTFOUND no such consumer') end
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
`;

/** KEYS: stream, settings. ARGV: group, id, id, …. Per id, 1 when it was pending. */
export const ackManyScript = `
if redis.call('EXISTS', KEYS[2]) == 0 then return redis.error_reply('NOTFOUND no such consumer') end
local out = {}
for i = 2, #ARGV do out[i - 1] = redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) end
return out
`;

/**
 * KEYS: stream, settings. ARGV: group, member, id, delay ms. Makes the entry look delivered
 * (ack wait - delay) ms ago, so XAUTOCLAIM takes it once the delay has passed.
 */
export const nakScript = `
local ackWait = redis.call('HGET', KEYS[2], 'ackWaitMs')
if not ackWait then return redis.error_reply('NOTFOUND no such consumer') end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 then return 0 end
local idle = math.max(tonumber(ackWait) - tonumber(ARGV[4]), 0)
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', idle, 'JUSTID')
return 1
`;
