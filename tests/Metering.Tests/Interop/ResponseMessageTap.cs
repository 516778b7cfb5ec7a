using System.Net;

namespace Metering.Tests.Interop;

/// <summary>
/// A handler in front of the channel's transport that reads the length prefix of every response message as it
/// passes and records its compressed flag. The runtime's client does not expose per-message flags, and the
/// server_compressed_* cases must check them on the wire. Recording is scoped with <see cref="Capture"/>.
/// </summary>
internal sealed class ResponseMessageTap : DelegatingHandler
{
    private static readonly AsyncLocal<List<bool>?> CurrentLog = new();

    public ResponseMessageTap(HttpMessageHandler inner)
        : base(inner)
    {
    }

    /// <summary>Records the flags of responses to calls started on this async flow until disposed.</summary>
    public static IDisposable Capture(out List<bool> compressedFlags)
    {
        var log = new List<bool>();
        compressedFlags = log;
        var previous = CurrentLog.Value;
        CurrentLog.Value = log;
        return new Scope(previous);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var log = CurrentLog.Value;
        var response = await base.SendAsync(request, cancellationToken);
        if (log is null)
        {
            return response;
        }

        var tapped = new TappedContent(response.Content, log);
        foreach (var header in response.Content.Headers.NonValidated)
        {
            tapped.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = tapped;
        return response;
    }

    private sealed class Scope(List<bool>? previous) : IDisposable
    {
        public void Dispose() => CurrentLog.Value = previous;
    }

    private sealed class TappedContent(HttpContent inner, List<bool> log) : HttpContent
    {
        protected override async Task<Stream> CreateContentReadStreamAsync()
            => new TappedStream(await inner.ReadAsStreamAsync(), log);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await using var source = await CreateContentReadStreamAsync();
            await source.CopyToAsync(stream);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Parses the gRPC framing of the bytes read through it: 1 flag byte, 4 length bytes, payload.</summary>
    private sealed class TappedStream(Stream inner, List<bool> log) : Stream
    {
        private readonly byte[] _header = new byte[5];
        private int _headerFilled;
        private long _payloadLeft;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Observe(buffer.AsSpan(offset, read));
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Observe(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Observe(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                if (_payloadLeft > 0)
                {
                    var skip = (int)Math.Min(_payloadLeft, data.Length);
                    _payloadLeft -= skip;
                    data = data[skip..];
                    continue;
                }

                var take = Math.Min(_header.Length - _headerFilled, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                data = data[take..];
                if (_headerFilled == _header.Length)
                {
                    _headerFilled = 0;
                    _payloadLeft = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
                    lock (log)
                    {
                        log.Add(_header[0] == 1);
                    }
                }
            }
        }
    }
}
