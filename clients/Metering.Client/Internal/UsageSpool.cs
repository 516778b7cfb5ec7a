using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Metering.Contracts.V1;

namespace Metering.Client.Internal;

/// <summary>
/// The reporter's on-disk spool: an append-only log of closed batches and a small state file.
/// <list type="bullet">
/// <item><c>spool.lock</c> is held open exclusively while a reporter uses the directory.</item>
/// <item><c>state</c> holds the producer id, the acknowledged watermark and the segment generation (<see cref="SpoolState"/>).</item>
/// <item><c>{generation:D10}-{firstSequence:D20}.seg</c> segments: the magic <c>MTRSPL01</c>, then frames of
/// [payload length, uint32 LE][CRC-32C of the payload, uint32 LE][payload: the StreamUsageRequest as sent].</item>
/// </list>
/// Every closed batch is appended (and, with <c>flushToDisk</c>, fsynced) before it is sent. The watermark is written
/// at most once a second and always before a fully acknowledged segment is deleted. A renumbering after lost
/// sequences writes a new generation and switches to it with one rename of the state file.
/// </summary>
internal sealed partial class UsageSpool : IDisposable
{
    public const string LockFileName = "spool.lock";
    public const string StateFileName = "state";
    public const string SegmentSuffix = ".seg";

    private const int FrameHeaderSize = 8;
    private const int MaxFrameSize = 64 * 1024 * 1024;
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly FileStream _lockFile;
    private readonly long _segmentBytes;
    private readonly bool _flushToDisk;
    private readonly TimeProvider _time;
    private readonly List<Segment> _segments = [];
    private FileStream? _current;
    private Segment? _currentSegment;
    private long _generation;
    private ulong _ackedThrough;
    private long _lastCheckpoint;
    private bool _disposed;

    private UsageSpool(string directory, FileStream lockFile, long segmentBytes, bool flushToDisk, TimeProvider time)
    {
        _directory = directory;
        _lockFile = lockFile;
        _segmentBytes = segmentBytes;
        _flushToDisk = flushToDisk;
        _time = time;
        _lastCheckpoint = time.GetTimestamp();
    }

    public string DirectoryPath => _directory;

    /// <summary>The producer id the spool belongs to.</summary>
    public string ProducerId { get; private set; } = string.Empty;

    /// <summary>The acknowledged watermark found at start.</summary>
    public ulong LoadedAckedThrough { get; private set; }

    /// <summary>The sequence the next new batch takes.</summary>
    public ulong NextSequence { get; private set; } = 1;

    /// <summary>Batches found at start and not acknowledged, in sequence order.</summary>
    public IReadOnlyList<StreamUsageRequest> LoadedBatches { get; private set; } = [];

    private static ReadOnlySpan<byte> Magic => "MTRSPL01"u8;

    /// <summary>Appends closed batches to the current segment (rotating by size), then flushes them once.</summary>
    public void Append(IReadOnlyList<PendingBatch> batches)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                foreach (var batch in batches)
                {
                    if (_current is null || _currentSegment!.Length >= _segmentBytes)
                    {
                        Rotate(batch.Sequence);
                    }

                    _currentSegment!.Length += WriteFrame(_current!, batch.Request);
                    _currentSegment.Last = batch.Sequence;
                }

                _current?.Flush(_flushToDisk);
            }
            catch
            {
                // A half-written frame fails its checksum at the next start; later appends go to a fresh segment.
                AbandonCurrent();
                throw;
            }
        }
    }

    /// <summary>Records that every sequence up to <paramref name="sequence"/> is resolved; deletes segments that are now fully acknowledged.</summary>
    public void MarkAcked(ulong sequence)
    {
        lock (_lock)
        {
            if (_disposed || sequence <= _ackedThrough)
            {
                return;
            }

            _ackedThrough = sequence;
            var deletable = 0;
            while (deletable < _segments.Count && _segments[deletable] != _currentSegment && _segments[deletable].Last <= sequence)
            {
                deletable++;
            }

            if (deletable > 0)
            {
                // The watermark must be on disk before the frames it covers disappear.
                Checkpoint(_flushToDisk);
                for (var i = 0; i < deletable; i++)
                {
                    File.Delete(_segments[i].Path);
                }

                _segments.RemoveRange(0, deletable);
            }
            else if (_time.GetElapsedTime(_lastCheckpoint) >= CheckpointInterval)
            {
                Checkpoint(flushToDisk: false);
            }
        }
    }

    /// <summary>
    /// Replaces the spool's content after a renumbering: a new generation holding exactly <paramref name="batches"/>
    /// (already carrying their new sequences), with <paramref name="ackedThrough"/> as the watermark.
    /// </summary>
    public void Rewrite(ulong ackedThrough, IReadOnlyList<PendingBatch> batches)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            AbandonCurrent();
            var old = _segments.ToList();
            _segments.Clear();
            _generation++;
            if (batches.Count > 0)
            {
                Rotate(batches[0].Sequence);
                foreach (var batch in batches)
                {
                    _currentSegment!.Length += WriteFrame(_current!, batch.Request);
                    _currentSegment.Last = batch.Sequence;
                }

                _current!.Flush(flushToDisk: true);
            }

            _ackedThrough = ackedThrough;
            Checkpoint(flushToDisk: true);
            foreach (var segment in old)
            {
                File.Delete(segment.Path);
            }
        }
    }

    /// <summary>Writes the watermark, deletes fully acknowledged segments and releases the directory.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                if (_current is not null)
                {
                    _current.Flush(_flushToDisk);
                    _current.Dispose();
                    _current = null;
                    _currentSegment = null;
                }

                Checkpoint(_flushToDisk);
                foreach (var segment in _segments.Where(s => s.Last <= _ackedThrough))
                {
                    File.Delete(segment.Path);
                }
            }
            finally
            {
                _lockFile.Dispose();
            }
        }
    }

    private void Rotate(ulong firstSequence)
    {
        if (_current is not null)
        {
            _current.Flush(_flushToDisk);
            _current.Dispose();
            _current = null;
        }

        var path = Path.Combine(_directory, SegmentName(_generation, firstSequence));
        _current = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
        _current.Write(Magic);
        _currentSegment = new Segment(path, firstSequence) { Length = Magic.Length };
        _segments.Add(_currentSegment);
    }

    private void AbandonCurrent()
    {
        try
        {
            _current?.Dispose();
        }
        catch (IOException)
        {
        }

        _current = null;
        _currentSegment = null;
    }

    private void Checkpoint(bool flushToDisk)
    {
        new SpoolState(ProducerId, _ackedThrough, _generation).Write(Path.Combine(_directory, StateFileName), flushToDisk);
        _lastCheckpoint = _time.GetTimestamp();
    }

    /// <summary>Writes one frame; returns its size in bytes.</summary>
    private static int WriteFrame(FileStream stream, StreamUsageRequest request)
    {
        var payload = request.ToByteArray();
        Span<byte> header = stackalloc byte[FrameHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32C.Compute(payload));
        stream.Write(header);
        stream.Write(payload);
        return FrameHeaderSize + payload.Length;
    }

    private static string SegmentName(long generation, ulong firstSequence)
        => string.Create(CultureInfo.InvariantCulture, $"{generation:D10}-{firstSequence:D20}{SegmentSuffix}");

    /// <summary>One segment file: the sequences it holds and its length in bytes.</summary>
    private sealed class Segment
    {
        public Segment(string path, ulong first)
        {
            Path = path;
            First = first;
            Last = first - 1;
        }

        public string Path { get; }

        public ulong First { get; }

        public ulong Last { get; set; }

        public long Length { get; set; }
    }
}
