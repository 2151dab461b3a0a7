//! Lua scripts of the Redis queue. Each one runs atomically on the server, so every state change
//! of a task (lock and enqueue, acknowledge and record, schedule a retry) is one round trip.

use redis::Script;

/// Takes the dispatch lock when a third key is given, drops a task whose idempotency key is
/// pending, else appends the task to the stream and records it as queued.
/// KEYS: stream, status hash, optional lock. ARGV: task JSON, status lifetime ms, lock token, lock lifetime ms.
const DISPATCH: &str = r"
if #KEYS == 3 then
  if not redis.call('SET', KEYS[3], ARGV[3], 'NX', 'PX', ARGV[4]) then return 'lock_held' end
end
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'queued' or state == 'running' or state == 'retry' then return 'duplicate' end
redis.call('XADD', KEYS[1], '*', 'task', ARGV[1], 'attempt', '1')
redis.call('HSET', KEYS[2], 'state', 'queued', 'attempt', '0', 'error', '')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 'enqueued'
";

/// Records a task's state. KEYS: status hash. ARGV: state, attempt, error, status lifetime ms.
const SET_STATUS: &str = r"
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'attempt', ARGV[2], 'error', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
";

/// Acknowledges and deletes a stream entry and records the task's final state.
/// KEYS: stream, status hash. ARGV: group, entry id, state, attempt, error, status lifetime ms.
const FINISH: &str = r"
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], 'state', ARGV[3], 'attempt', ARGV[4], 'error', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
";

/// Acknowledges a failed attempt and schedules the next one in the delayed set.
/// KEYS: stream, status hash, delayed set. ARGV: group, entry id, failed attempt, error,
/// status lifetime ms, due time in epoch ms, delayed member (`next_attempt|task JSON`).
const RETRY: &str = r"
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[7])
redis.call('HSET', KEYS[2], 'state', 'retry', 'attempt', ARGV[3], 'error', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
";

/// Puts an unfinished task back on the stream with the same attempt and acknowledges the old entry.
/// KEYS: stream, status hash. ARGV: group, entry id, task JSON, attempt, status lifetime ms.
const REQUEUE: &str = r"
redis.call('XADD', KEYS[1], '*', 'task', ARGV[3], 'attempt', ARGV[4])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], 'state', 'queued', 'attempt', ARGV[4], 'error', '')
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
";

/// Moves up to 100 due retries from the delayed set to the stream; returns how many moved.
/// KEYS: delayed set, stream. ARGV: now in epoch ms.
const PROMOTE: &str = r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, member in ipairs(due) do
  local separator = string.find(member, '|', 1, true)
  local attempt = string.sub(member, 1, separator - 1)
  local task = string.sub(member, separator + 1)
  redis.call('XADD', KEYS[2], '*', 'task', task, 'attempt', attempt)
  redis.call('ZREM', KEYS[1], member)
end
return #due
";

/// The compiled scripts; `Script` keeps each one's SHA1 for EVALSHA.
pub struct Scripts {
    pub dispatch: Script,
    pub set_status: Script,
    pub finish: Script,
    pub retry: Script,
    pub requeue: Script,
    pub promote: Script,
}

impl Scripts {
    pub fn new() -> Self {
        Self {
            dispatch: Script::new(DISPATCH),
            set_status: Script::new(SET_STATUS),
            finish: Script::new(FINISH),
            retry: Script::new(RETRY),
            requeue: Script::new(REQUEUE),
            promote: Script::new(PROMOTE),
        }
    }
}

impl Default for Scripts {
    fn default() -> Self {
        Self::new()
    }
}
