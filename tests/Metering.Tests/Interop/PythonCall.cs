using Google.Protobuf;
using Google.Protobuf.Reflection;
using Metering.Contracts.V1;

namespace Metering.Tests.Interop;

/// <summary>One call of a metering_client.py plan: the method, its request(s) and the type of its responses.</summary>
internal sealed class PythonCall
{
    private PythonCall(string method, IReadOnlyList<IMessage> requests, bool streaming, MessageDescriptor response, (string HostId, string ProducerId)? receiptChain = null)
    {
        Method = method;
        Requests = requests;
        Streaming = streaming;
        Response = response;
        ReceiptChain = receiptChain;
    }

    /// <summary>For a stream: the host and producer whose receipt chain Python recomputes from the bytes it sent (its "own_chain").</summary>
    public (string HostId, string ProducerId)? ReceiptChain { get; }

    /// <summary>"metering.v1.IngestService/StreamUsage" and so on.</summary>
    public string Method { get; }

    public IReadOnlyList<IMessage> Requests { get; }

    /// <summary>True for the bidi stream: every request is written, then the client half-closes.</summary>
    public bool Streaming { get; }

    public MessageDescriptor Response { get; }

    public static PythonCall StreamUsage(params StreamUsageRequest[] batches)
        => new(Name(IngestService.Descriptor, "StreamUsage"), batches, streaming: true, StreamUsageResponse.Descriptor);

    /// <summary>A stream whose receipt chain Python also recomputes itself (<see cref="PythonCallResult.OwnChain"/>).</summary>
    public static PythonCall StreamUsageCheckingReceipts(string hostId, string producerId, params StreamUsageRequest[] batches)
        => new(Name(IngestService.Descriptor, "StreamUsage"), batches, streaming: true, StreamUsageResponse.Descriptor, (hostId, producerId));

    public static PythonCall ReportUsage(ReportUsageRequest request)
        => new(Name(IngestService.Descriptor, "ReportUsage"), [request], streaming: false, ReportUsageResponse.Descriptor);

    public static PythonCall GetUsage(GetUsageRequest request)
        => new(Name(UsageService.Descriptor, "GetUsage"), [request], streaming: false, GetUsageResponse.Descriptor);

    private static string Name(ServiceDescriptor service, string method) => service.FullName + "/" + service.FindMethodByName(method).Name;
}
