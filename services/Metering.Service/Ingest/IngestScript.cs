namespace Metering.Service.Ingest;

/// <summary>
/// The atomic ingest step for one host (docs/architecture.md, "The Lua step"): for each batch in order, decide by its
/// producer sequence or idempotency key whether it applies, and if so add its bucket deltas to the host's live hash and
/// record the sequence or key — all in one Lua step, so dedup state and counters never disagree. A batch that would
/// push the sum of a bucket's counters past 4e18 is undone and reported (-3) with its sequence consumed. That sum is
/// kept in a bucket-total key the flusher never moves (the live hash restarts from zero after each flush), so the limit
/// holds for everything the bucket ever received, flushed or not, and every single counter stays below it. When that
/// key is created — the bucket's first usage ever — the batch's record count goes to field "&lt;member&gt;|N" instead
/// of "|n": the flusher then knows PostgreSQL has no row for the bucket yet and inserts it without looking (a wrong
/// guess costs a retry, never a count), and the mark costs no field of its own.
/// </summary>
internal static class IngestScript
{
    /// <summary>
    /// KEYS[1] the host's live hash. ARGV: [1] key prefix "m:{host}:", [2] producer state TTL (s), [3] batch count,
    /// [4] bucket-total TTL (s), then per batch: kind ("s" sequence | "i" idempotency key), id, sequence or records
    /// hash, key TTL (s), bucket count, then per bucket: member, input, output, requests, billed, records, and the
    /// sum of those five. Returns one integer per batch: 0 applied, -1 duplicate, -2 key reused with other records,
    /// -3 overflow, n &gt; 0 gap (n is the expected sequence).
    /// </summary>
    public const string Source = """
        local live = KEYS[1]
        local prefix = ARGV[1]
        local producerTtl = tonumber(ARGV[2])
        local count = tonumber(ARGV[3])
        local totalTtl = tonumber(ARGV[4])
        local fields = { '|i', '|o', '|r', '|b', '|n' }
        local limit = 4e18
        local pos = 5
        local results = {}
        for op = 1, count do
          local kind = ARGV[pos]
          local id = ARGV[pos + 1]
          local token = ARGV[pos + 2]
          local ttl = tonumber(ARGV[pos + 3])
          local buckets = tonumber(ARGV[pos + 4])
          pos = pos + 5
          local stateKey
          local result = 0
          if kind == 's' then
            stateKey = prefix .. 'p:' .. id
            local last = tonumber(redis.call('GET', stateKey) or '0')
            local seq = tonumber(token)
            if seq <= last then
              result = -1
            elseif seq ~= last + 1 then
              result = last + 1
            end
          else
            stateKey = prefix .. 'i:' .. id
            local stored = redis.call('GET', stateKey)
            if stored then
              if stored == token then result = -1 else result = -2 end
            end
          end
          if result == 0 then
            local overflow = false
            local firsts = {}
            for b = 0, buckets - 1 do
              local base = pos + b * 7
              local member = ARGV[base]
              local totalKey = prefix .. 'sum:' .. member
              local total
              local first = redis.call('SET', totalKey, ARGV[base + 6], 'NX', 'EX', totalTtl)
              if first then
                total = tonumber(ARGV[base + 6])
              else
                total = redis.call('INCRBY', totalKey, ARGV[base + 6])
              end
              firsts[b] = first
              for f = 1, 5 do
                local delta = ARGV[base + f]
                if delta ~= '0' then
                  local field = fields[f]
                  if f == 5 and first then field = '|N' end
                  redis.call('HINCRBY', live, member .. field, delta)
                end
              end
              if total > limit then overflow = true end
            end
            if overflow then
              for b = 0, buckets - 1 do
                local base = pos + b * 7
                local member = ARGV[base]
                for f = 1, 5 do
                  local delta = ARGV[base + f]
                  if delta ~= '0' then
                    local field = fields[f]
                    if f == 5 and firsts[b] then field = '|N' end
                    redis.call('HINCRBY', live, member .. field, '-' .. delta)
                  end
                end
                if firsts[b] then
                  redis.call('DEL', prefix .. 'sum:' .. member)
                else
                  redis.call('DECRBY', prefix .. 'sum:' .. member, ARGV[base + 6])
                end
              end
              result = -3
            end
            if kind == 's' then
              redis.call('SET', stateKey, token, 'EX', producerTtl)
            elseif result == 0 then
              redis.call('SET', stateKey, token, 'EX', ttl)
            end
          end
          pos = pos + buckets * 7
          results[op] = result
        end
        return results
        """;
}
