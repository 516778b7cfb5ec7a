using StackExchange.Redis;

namespace Metering.Service.Ingest;

/// <summary>
/// The atomic ingest step for one host (docs/architecture.md, "The Lua step"): for each batch in order, decide by
/// its producer sequence or idempotency key whether it applies, and if so add its bucket deltas to the host's live hash
/// and record the sequence or key — all in one Lua step, so dedup state and counters never disagree. A batch that
/// would push the sum of a bucket's counters past 4e18 is not applied and reported (-3), its sequence consumed. That
/// sum is kept in a bucket-total key the flusher never moves (the live hash restarts from zero after each flush), so
/// the limit holds for everything the bucket ever received, flushed or not, and every single counter stays below it.
/// When that key is created — the bucket's first usage ever — the step's record count goes to field "&lt;member&gt;|N"
/// instead of "|n": the flusher then knows PostgreSQL has no row for the bucket yet and inserts it without looking (a
/// wrong guess costs a retry, never a count), and the mark costs no field of its own. Field "|t0" holds the time (Redis
/// TIME, µs) of the hash's first write since its last cut; it moves with the cut, and the flush lag is measured from it.
/// <para>
/// The step's Redis commands grow with the buckets and producers it touches, not with its batches: decisions are
/// made on values read once (producer state, bucket totals) and kept in Lua tables, the deltas of every applied batch
/// are summed per field, and each field, total and producer state is written once at the end. Lua numbers are doubles,
/// exact for integers below 2^53: a delta of 16 digits or more is written on its own (as its exact decimal string),
/// and a sum about to reach 2^53 is written out first and restarted, so every count stays exact.
/// </para>
/// </summary>
internal static class IngestScript
{
    /// <summary>
    /// KEYS[1] the host's live hash. ARGV: [1] key prefix "m:{host}:", [2] producer state TTL (s), [3] batch count,
    /// [4] bucket-total TTL (s), then per batch: kind ("s" sequence | "i" idempotency key), id, sequence or records
    /// hash, key TTL (s), bucket count, the chain head the batch was chained to (hex; "s" only), the state to store
    /// if it applies and the state to store if it overflows ("s": "&lt;sequence&gt;|&lt;result&gt;|&lt;H(request)&gt;|&lt;chain&gt;", its
    /// receipt; "i": "&lt;records hash&gt;|&lt;H(request)&gt;", the overflow state unused), then per bucket: member, input,
    /// output, requests, billed, records, and the sum of those five. Returns two arrays: one integer per batch (0
    /// applied, -1 duplicate, -2 key reused with other records, -3 overflow, -4 chain conflict: the producer's stored
    /// head is not the one the batch was chained to, or no state was given, so nothing changed; n &gt; 0 gap, n the
    /// expected sequence), and pairs (batch number, stored state) for duplicates of a producer's head or of a key, so
    /// that they are answered with the receipt of the original decision, and for chain conflicts, so that the batch
    /// can be chained again to the head that is stored.
    /// </summary>
    public const string Source = """
        local live = KEYS[1]
        local prefix = ARGV[1]
        local producerTtl = ARGV[2]
        local count = tonumber(ARGV[3])
        local totalTtl = ARGV[4]
        local suffixes = { '|i', '|o', '|r', '|b', '|n' }
        local limit = 4e18
        local exact = 9007199254740992
        local results = {}

        -- Per bucket member: its key names (built once), running total, first-usage flag and the sums not yet written.
        local buckets, order = {}, {}
        local function bucket(member)
          local b = buckets[member]
          if b == nil then
            local sumKey = prefix .. 'sum:' .. member
            local stored = redis.call('GET', sumKey)
            b = { sumKey = sumKey, total = 0, first = not stored, created = false, fields = {}, pending = { 0, 0, 0, 0, 0 }, pendingSum = 0 }
            if stored then b.total = tonumber(stored) end
            for f = 1, 5 do b.fields[f] = member .. suffixes[f] end
            if b.first then b.fields[5] = member .. '|N' end
            buckets[member] = b
            order[#order + 1] = b
          end
          return b
        end

        local function addField(b, f, delta)
          if #delta >= 16 then
            redis.call('HINCRBY', live, b.fields[f], delta)
            return
          end
          local d = tonumber(delta)
          local p = b.pending[f]
          if p + d >= exact then
            redis.call('HINCRBY', live, b.fields[f], string.format('%d', p))
            b.pending[f] = d
          else
            b.pending[f] = p + d
          end
        end

        local function addSum(b, delta)
          if #delta >= 16 then
            redis.call('INCRBY', b.sumKey, delta)
            return
          end
          local d = tonumber(delta)
          if b.pendingSum + d >= exact then
            redis.call('INCRBY', b.sumKey, string.format('%d', b.pendingSum))
            b.pendingSum = d
          else
            b.pendingSum = b.pendingSum + d
          end
        end

        -- Producer state "<sequence>|<result>|<H(request)>|<chain>" (the head's receipt); a bare "<sequence>" was
        -- written before receipts and has no chain to compare with.
        local sequences, heads, chains, changed, changedOrder = {}, {}, {}, {}, {}
        local extras = {}
        local pos = 5
        for op = 1, count do
          local kind = ARGV[pos]
          local id = ARGV[pos + 1]
          local token = ARGV[pos + 2]
          local ttl = ARGV[pos + 3]
          local n = tonumber(ARGV[pos + 4])
          local previous = ARGV[pos + 5]
          local applied = ARGV[pos + 6]
          local overflowed = ARGV[pos + 7]
          pos = pos + 8
          local stateKey
          local result = 0
          if kind == 's' then
            stateKey = prefix .. 'p:' .. id
            local last = sequences[stateKey]
            if last == nil then
              local stored = redis.call('GET', stateKey)
              last = 0
              heads[stateKey] = false
              chains[stateKey] = false
              if stored then
                local storedSequence, chain = string.match(stored, '^(%d+)|%d+|%x+|(%x+)$')
                if storedSequence then
                  last = tonumber(storedSequence)
                  heads[stateKey] = stored
                  chains[stateKey] = chain
                else
                  last = tonumber(stored)
                end
              end
              sequences[stateKey] = last
            end
            local seq = tonumber(token)
            if seq <= last then
              result = -1
              if seq == last and heads[stateKey] then
                extras[#extras + 1] = op
                extras[#extras + 1] = heads[stateKey]
              end
            elseif seq ~= last + 1 then
              result = last + 1
            elseif applied == '' or (chains[stateKey] and chains[stateKey] ~= previous) then
              result = -4
              if heads[stateKey] then
                extras[#extras + 1] = op
                extras[#extras + 1] = heads[stateKey]
              end
            end
          else
            stateKey = prefix .. 'i:' .. id
            local stored = redis.call('GET', stateKey)
            if stored then
              if string.match(stored, '^[^|]*') == token then
                result = -1
                extras[#extras + 1] = op
                extras[#extras + 1] = stored
              else
                result = -2
              end
            end
          end
          if result == 0 then
            for k = 0, n - 1 do
              local base = pos + k * 7
              if bucket(ARGV[base]).total + tonumber(ARGV[base + 6]) > limit then result = -3 end
            end
            if result == 0 then
              for k = 0, n - 1 do
                local base = pos + k * 7
                local b = buckets[ARGV[base]]
                if b.first and not b.created then
                  redis.call('SET', b.sumKey, '0', 'EX', totalTtl)
                  b.created = true
                end
                b.total = b.total + tonumber(ARGV[base + 6])
                addSum(b, ARGV[base + 6])
                for f = 1, 5 do
                  local delta = ARGV[base + f]
                  if delta ~= '0' then addField(b, f, delta) end
                end
              end
            end
            if kind == 's' then
              local state = applied
              if result == -3 then state = overflowed end
              sequences[stateKey] = tonumber(token)
              heads[stateKey] = state
              chains[stateKey] = string.match(state, '|(%x+)$')
              if changed[stateKey] == nil then changedOrder[#changedOrder + 1] = stateKey end
              changed[stateKey] = state
            elseif result == 0 then
              redis.call('SET', stateKey, applied, 'EX', ttl)
            end
          end
          pos = pos + n * 7
          results[op] = result
        end

        -- The time of the hash's first write since its last cut (Redis TIME, µs): the flush lag is measured from it.
        if #order > 0 then
          local now = redis.call('TIME')
          redis.call('HSETNX', live, '|t0', now[1] .. string.format('%06d', tonumber(now[2])))
        end
        for _, b in ipairs(order) do
          for f = 1, 5 do
            if b.pending[f] > 0 then redis.call('HINCRBY', live, b.fields[f], string.format('%d', b.pending[f])) end
          end
          if b.pendingSum > 0 then redis.call('INCRBY', b.sumKey, string.format('%d', b.pendingSum)) end
        end
        for _, key in ipairs(changedOrder) do
          redis.call('SET', key, changed[key], 'EX', producerTtl)
        end
        return { results, extras }
        """;

    /// <summary>The ARGV of one step: <paramref name="group"/> is one host's batches, in the order they are decided.</summary>
    public static RedisValue[] Arguments(RedisValue prefix, RedisValue producerTtl, RedisValue bucketTotalTtl, RedisValue keyTtl, IReadOnlyList<PendingCommit> group)
    {
        var size = 4;
        foreach (var commit in group)
        {
            size += 8 + (commit.Deltas.Length * 7);
        }

        var args = new RedisValue[size];
        args[0] = prefix;
        args[1] = producerTtl;
        args[2] = group.Count;
        args[3] = bucketTotalTtl;
        var pos = 4;
        foreach (var commit in group)
        {
            args[pos++] = commit.BySequence ? "s" : "i";
            args[pos++] = commit.Id;
            args[pos++] = commit.Token;
            args[pos++] = commit.BySequence ? RedisValue.EmptyString : keyTtl;
            args[pos++] = commit.Deltas.Length;
            args[pos++] = commit.ChainedTo;
            args[pos++] = commit.StateIfApplied;
            args[pos++] = commit.StateIfOverflow;
            foreach (var delta in commit.Deltas)
            {
                var counters = delta.Counters;
                args[pos++] = delta.Bucket.ToMember();
                args[pos++] = counters.InputTokens;
                args[pos++] = counters.OutputTokens;
                args[pos++] = counters.Requests;
                args[pos++] = counters.BilledMicros;
                args[pos++] = counters.Records;
                args[pos++] = counters.InputTokens + counters.OutputTokens + counters.Requests + counters.BilledMicros + counters.Records;
            }
        }

        return args;
    }
}
