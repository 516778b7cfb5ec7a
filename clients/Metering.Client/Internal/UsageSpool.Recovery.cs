using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Metering.Contracts.V1;
using Microsoft.Extensions.Logging;

namespace Metering.Client.Internal;

/// <summary>Opening a spool directory: lock it, read the state, replay the segments, drop what is damaged or acknowledged.</summary>
internal sealed partial class UsageSpool
{
    /// <summary>
    /// Opens (creating if needed) and locks <paramref name="directory"/>, and loads the producer id, the watermark and
    /// every unacknowledged batch. A damaged frame (torn write, checksum mismatch) truncates its segment there.
    /// </summary>
    public static UsageSpool Open(string directory, string? configuredProducerId, long segmentBytes, bool flushToDisk, TimeProvider time, ILogger logger)
    {
        var full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(full, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"UsageReporterOptions.SpoolDirectory '{full}' is in use by another reporter ({LockFileName} is locked).", ex);
        }

        try
        {
            var spool = new UsageSpool(full, lockFile, segmentBytes, flushToDisk, time);
            spool.Load(configuredProducerId, logger);
            return spool;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    private void Load(string? configuredProducerId, ILogger logger)
    {
        var state = SpoolState.TryRead(Path.Combine(_directory, StateFileName), out var stateProblem);
        if (stateProblem is not null)
        {
            ReporterLog.SpoolDamaged(logger, Path.Combine(_directory, StateFileName), 0, stateProblem);
        }

        foreach (var temporary in System.IO.Directory.GetFiles(_directory, "*.tmp"))
        {
            File.Delete(temporary);
        }

        var files = System.IO.Directory.GetFiles(_directory, "*" + SegmentSuffix)
            .Select(path => (Path: path, Name: ParseSegmentName(Path.GetFileName(path))))
            .ToList();
        foreach (var unknown in files.Where(f => f.Name is null))
        {
            ReporterLog.SpoolDamaged(logger, unknown.Path, 0, "the file name is not a segment name; ignored");
        }

        var named = files.Where(f => f.Name is not null).Select(f => (f.Path, Generation: f.Name!.Value.Generation, First: f.Name.Value.First)).ToList();
        _generation = state?.Generation ?? (named.Count > 0 ? named.Max(f => f.Generation) : 0);

        // Segments of another generation are leftovers of a renumbering: older ones were superseded, a newer one was
        // never committed by the state file.
        foreach (var stale in named.Where(f => f.Generation != _generation))
        {
            File.Delete(stale.Path);
        }

        var frames = new List<StreamUsageRequest>();
        var loadedSegments = new List<Segment>();
        foreach (var file in named.Where(f => f.Generation == _generation).OrderBy(f => f.First))
        {
            var segment = ReadSegment(file.Path, frames, logger);
            if (segment is null)
            {
                File.Delete(file.Path);
            }
            else
            {
                loadedSegments.Add(segment);
            }
        }

        var stored = state?.ProducerId ?? frames.Select(f => f.ProducerId).FirstOrDefault(RecordValidation.IsValidIdentifier);
        if (configuredProducerId is not null && stored is not null && !string.Equals(configuredProducerId, stored, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"UsageReporterOptions.ProducerId '{configuredProducerId}' does not match producer '{stored}' stored in UsageReporterOptions.SpoolDirectory '{_directory}'. Leave ProducerId unset to resume '{stored}', or use another directory.",
                "options");
        }

        ProducerId = stored ?? configuredProducerId ?? Guid.NewGuid().ToString("D");
        var acked = state?.AckedThrough ?? (frames.Count > 0 ? frames[0].Sequence - 1 : 0);
        var lastFrame = frames.Count > 0 ? frames[^1].Sequence : 0;
        _ackedThrough = acked;
        LoadedAckedThrough = acked;
        NextSequence = Math.Max(acked, lastFrame) + 1;

        var unacked = frames.Where(f => f.Sequence > acked).ToList();
        foreach (var frame in unacked)
        {
            frame.ProducerId = ProducerId;
        }

        LoadedBatches = unacked;
        foreach (var segment in loadedSegments)
        {
            if (segment.Last <= acked)
            {
                File.Delete(segment.Path);
            }
            else
            {
                _segments.Add(segment);
            }
        }

        // Durable before any batch of this producer can be sent.
        Checkpoint(flushToDisk: true);
        ReporterLog.SpoolLoaded(logger, _directory, ProducerId, acked, unacked.Count, unacked.Sum(f => (long)f.Records.Count));
    }

    /// <summary>Reads the frames of one segment into <paramref name="frames"/>; null when it holds none.</summary>
    private static Segment? ReadSegment(string path, List<StreamUsageRequest> frames, ILogger logger)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            ReporterLog.SpoolDamaged(logger, path, 0, "missing segment header");
            return null;
        }

        Segment? segment = null;
        var offset = Magic.Length;
        string? problem = null;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < FrameHeaderSize)
            {
                problem = "truncated frame header";
                break;
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (length is 0 or > MaxFrameSize || length > bytes.Length - offset - FrameHeaderSize)
            {
                problem = "truncated frame";
                break;
            }

            var payload = bytes.AsSpan(offset + FrameHeaderSize, (int)length);
            if (Crc32C.Compute(payload) != crc)
            {
                problem = "checksum mismatch";
                break;
            }

            StreamUsageRequest request;
            try
            {
                request = StreamUsageRequest.Parser.ParseFrom(payload);
            }
            catch (InvalidProtocolBufferException)
            {
                problem = "unreadable batch";
                break;
            }

            if (request.Sequence == 0 || request.Records.Count == 0 || (frames.Count > 0 && request.Sequence <= frames[^1].Sequence))
            {
                problem = "batch out of sequence";
                break;
            }

            frames.Add(request);
            segment ??= new Segment(path, request.Sequence);
            segment.Last = request.Sequence;
            offset += FrameHeaderSize + (int)length;
        }

        if (problem is not null)
        {
            ReporterLog.SpoolDamaged(logger, path, offset, problem);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            stream.SetLength(offset);
        }

        if (segment is not null)
        {
            segment.Length = offset;
        }

        return segment;
    }

    private static (long Generation, ulong First)? ParseSegmentName(string name)
    {
        // {generation:D10}-{firstSequence:D20}.seg
        if (name.Length != 10 + 1 + 20 + SegmentSuffix.Length || name[10] != '-' || !name.EndsWith(SegmentSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        return long.TryParse(name.AsSpan(0, 10), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            && ulong.TryParse(name.AsSpan(11, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            ? (generation, first)
            : null;
    }
}
