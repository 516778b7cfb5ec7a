using System.Net;

namespace Metering.Tests.Interop;

/// <summary>
/// A request body the test writes by hand and ends when it chooses (or never): the HTTP/2 request stream stays
/// open until <see cref="Complete"/>.
/// </summary>
internal sealed class OpenRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public OpenRequestContent(string contentType = "application/grpc")
        => Headers.TryAddWithoutValidation("content-type", contentType);

    public async Task WriteAsync(byte[] bytes)
    {
        var stream = await _stream.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    public void Complete() => _completed.TrySetResult();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        _stream.TrySetResult(stream);
        return _completed.Task;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
