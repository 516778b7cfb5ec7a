using Google.Protobuf;
using Metering.Contracts.V1;
using Metering.Grpc;
using Metering.Settlement.Tests.Infrastructure;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// Who may call what (docs/wire.md, settlement.proto): ADMIN manages agreements; BILLING and ADMIN list agreements, run
/// and finalize; HOST reads its own statements only. Missing or bad key: UNAUTHENTICATED; wrong role or another
/// host's data: PERMISSION_DENIED.
/// </summary>
public sealed class RoleMatrixTests : IClassFixture<RoleMatrixFixture>
{
    private readonly RoleMatrixFixture _fixture;

    public RoleMatrixTests(RoleMatrixFixture fixture) => _fixture = fixture;

    public static TheoryData<string, string, StatusCode> Matrix
    {
        get
        {
            var data = new TheoryData<string, string, StatusCode>();
            void Row(string rpc, StatusCode admin, StatusCode billing, StatusCode ownHost, StatusCode otherHost)
            {
                data.Add(rpc, "admin", admin);
                data.Add(rpc, "billing", billing);
                data.Add(rpc, "host", ownHost);
                data.Add(rpc + ":other", "host", otherHost);
                data.Add(rpc, "none", StatusCode.Unauthenticated);
                data.Add(rpc, "bad", StatusCode.Unauthenticated);
            }

            Row("UpsertAgreement", StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied);
            Row("ListAgreements", StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied);
            Row("RunSettlement", StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied);
            Row("FinalizeStatement", StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied);
            Row("GetStatement", StatusCode.OK, StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied);
            Row("GetStatementById", StatusCode.OK, StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied);
            Row("ListStatements", StatusCode.OK, StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Call_IsAllowedOnlyForItsRoles(string rpc, string caller, StatusCode expected)
    {
        var options = caller switch
        {
            "none" => default,
            "bad" => SettlementRpc.As("mtr_not_a_key_at_all"),
            _ => SettlementRpc.As(_fixture.Keys[caller]),
        };

        Assert.Equal(expected, await CallAsync(rpc, options));
    }

    [Fact]
    public async Task HostListingWithoutFilter_SeesOnlyItsOwnStatements()
    {
        var response = await _fixture.Channel.UnaryAsync(SettlementRpc.ListStatements, new ListStatementsRequest(), SettlementRpc.As(_fixture.Keys["host"]));

        Assert.Equal([RoleMatrixFixture.OwnHost], response.Statements.Select(s => s.HostId).Distinct());
    }

    private async Task<StatusCode> CallAsync(string rpc, CallOptions options)
    {
        var channel = _fixture.Channel;
        var other = rpc.EndsWith(":other", StringComparison.Ordinal);
        var host = other ? RoleMatrixFixture.OtherHost : RoleMatrixFixture.OwnHost;
        var statementId = other ? _fixture.OtherStatementId : _fixture.OwnStatementId;
        try
        {
            IMessage response = rpc.Split(':')[0] switch
            {
                "UpsertAgreement" => await channel.UnaryAsync(SettlementRpc.UpsertAgreement, new UpsertAgreementRequest { Agreement = Agreements.Reported(host, "2025-06", "USD", "", ("0", "10")) }, options),
                "ListAgreements" => await channel.UnaryAsync(SettlementRpc.ListAgreements, new ListAgreementsRequest(), options),
                "RunSettlement" => await channel.UnaryAsync(SettlementRpc.RunSettlement, new RunSettlementRequest { Period = "2025-03", HostIds = { host } }, options),
                "FinalizeStatement" => await channel.UnaryAsync(SettlementRpc.FinalizeStatement, new FinalizeStatementRequest { StatementId = statementId }, options),
                "GetStatement" => await channel.UnaryAsync(SettlementRpc.GetStatement, new GetStatementRequest { HostPeriod = new HostPeriod { HostId = host, Period = "2025-02" } }, options),
                "GetStatementById" => await channel.UnaryAsync(SettlementRpc.GetStatement, new GetStatementRequest { StatementId = statementId }, options),
                "ListStatements" => await ListStatementsAsync(host, options),
                _ => throw new ArgumentOutOfRangeException(nameof(rpc)),
            };
            Assert.NotNull(response);
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private async Task<IMessage> ListStatementsAsync(string host, CallOptions options)
    {
        var response = await _fixture.Channel.UnaryAsync(SettlementRpc.ListStatements, new ListStatementsRequest { HostIds = { host } }, options);
        Assert.NotEmpty(response.Statements);
        Assert.All(response.Statements, s => Assert.Equal(host, s.HostId));
        return response;
    }
}
