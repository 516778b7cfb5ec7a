using Google.Protobuf;
using Google.Protobuf.Reflection;
using Metering.Contracts.V1;
using Metering.Grpc;

namespace Metering.Client.Internal;

/// <summary>The callable methods of every metering.v1 service, built from the generated service descriptors.</summary>
internal static class MeteringMethods
{
    public static readonly ServiceDescriptor IngestService = IngestReflection.Descriptor.FindTypeByName<ServiceDescriptor>("IngestService");
    public static readonly ServiceDescriptor UsageService = UsageServiceReflection.Descriptor.FindTypeByName<ServiceDescriptor>("UsageService");
    public static readonly ServiceDescriptor AdminService = AdminReflection.Descriptor.FindTypeByName<ServiceDescriptor>("AdminService");
    public static readonly ServiceDescriptor SettlementService = SettlementReflection.Descriptor.FindTypeByName<ServiceDescriptor>("SettlementService");

    public static readonly Method<StreamUsageRequest, StreamUsageResponse> StreamUsage = Create(IngestService, "StreamUsage", StreamUsageRequest.Parser, StreamUsageResponse.Parser);
    public static readonly Method<ReportUsageRequest, ReportUsageResponse> ReportUsage = Create(IngestService, "ReportUsage", ReportUsageRequest.Parser, ReportUsageResponse.Parser);

    public static readonly Method<GetUsageRequest, GetUsageResponse> GetUsage = Create(UsageService, "GetUsage", GetUsageRequest.Parser, GetUsageResponse.Parser);

    public static readonly Method<CreateHostRequest, CreateHostResponse> CreateHost = Create(AdminService, "CreateHost", CreateHostRequest.Parser, CreateHostResponse.Parser);
    public static readonly Method<ListHostsRequest, ListHostsResponse> ListHosts = Create(AdminService, "ListHosts", ListHostsRequest.Parser, ListHostsResponse.Parser);
    public static readonly Method<CreateApiKeyRequest, CreateApiKeyResponse> CreateApiKey = Create(AdminService, "CreateApiKey", CreateApiKeyRequest.Parser, CreateApiKeyResponse.Parser);
    public static readonly Method<RevokeApiKeyRequest, RevokeApiKeyResponse> RevokeApiKey = Create(AdminService, "RevokeApiKey", RevokeApiKeyRequest.Parser, RevokeApiKeyResponse.Parser);

    public static readonly Method<UpsertAgreementRequest, UpsertAgreementResponse> UpsertAgreement = Create(SettlementService, "UpsertAgreement", UpsertAgreementRequest.Parser, UpsertAgreementResponse.Parser);
    public static readonly Method<ListAgreementsRequest, ListAgreementsResponse> ListAgreements = Create(SettlementService, "ListAgreements", ListAgreementsRequest.Parser, ListAgreementsResponse.Parser);
    public static readonly Method<RunSettlementRequest, RunSettlementResponse> RunSettlement = Create(SettlementService, "RunSettlement", RunSettlementRequest.Parser, RunSettlementResponse.Parser);
    public static readonly Method<GetStatementRequest, GetStatementResponse> GetStatement = Create(SettlementService, "GetStatement", GetStatementRequest.Parser, GetStatementResponse.Parser);
    public static readonly Method<ListStatementsRequest, ListStatementsResponse> ListStatements = Create(SettlementService, "ListStatements", ListStatementsRequest.Parser, ListStatementsResponse.Parser);
    public static readonly Method<FinalizeStatementRequest, FinalizeStatementResponse> FinalizeStatement = Create(SettlementService, "FinalizeStatement", FinalizeStatementRequest.Parser, FinalizeStatementResponse.Parser);

    private static Method<TRequest, TResponse> Create<TRequest, TResponse>(ServiceDescriptor service, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var descriptor = service.FindMethodByName(name)
            ?? throw new InvalidOperationException($"{service.FullName} has no method {name}.");
        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new InvalidOperationException($"{service.FullName}/{name} takes {descriptor.InputType.FullName} and returns {descriptor.OutputType.FullName}.");
        }

        return Method<TRequest, TResponse>.FromDescriptor(descriptor, requestParser, responseParser);
    }
}
