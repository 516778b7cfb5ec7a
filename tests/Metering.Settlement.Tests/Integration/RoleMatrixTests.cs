using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

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
            "bad" => Calls.As("mtr_not_a_key_at_all"),
            _ => Calls.As(_fixture.Keys[caller]),
        };

        Assert.Equal(expected, await CallAsync(rpc, options));
    }

    [Fact]
    public async Task HostListingWithoutFilter_SeesOnlyItsOwnStatements()
    {
        var response = await _fixture.Client.ListStatementsAsync(new ListStatementsRequest(), Calls.As(_fixture.Keys["host"]));

        Assert.Equal([RoleMatrixFixture.OwnHost], response.Statements.Select(s => s.HostId).Distinct());
    }

    private async Task<StatusCode> CallAsync(string rpc, CallOptions options)
    {
        var client = _fixture.Client;
        var other = rpc.EndsWith(":other", StringComparison.Ordinal);
        var host = other ? RoleMatrixFixture.OtherHost : RoleMatrixFixture.OwnHost;
        var statementId = other ? _fixture.OtherStatementId : _fixture.OwnStatementId;
        try
        {
            IMessage response = rpc.Split(':')[0] switch
            {
                "UpsertAgreement" => await client.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = Agreements.Reported(host, "2025-06", "USD", "", ("0", "10")) }, options),
                "ListAgreements" => await client.ListAgreementsAsync(new ListAgreementsRequest(), options),
                "RunSettlement" => await client.RunSettlementAsync(new RunSettlementRequest { Period = "2025-03", HostIds = { host } }, options),
                "FinalizeStatement" => await client.FinalizeStatementAsync(new FinalizeStatementRequest { StatementId = statementId }, options),
                "GetStatement" => await client.GetStatementAsync(new GetStatementRequest { HostPeriod = new HostPeriod { HostId = host, Period = "2025-02" } }, options),
                "GetStatementById" => await client.GetStatementAsync(new GetStatementRequest { StatementId = statementId }, options),
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
        var response = await _fixture.Client.ListStatementsAsync(new ListStatementsRequest { HostIds = { host } }, options);
        Assert.NotEmpty(response.Statements);
        Assert.All(response.Statements, s => Assert.Equal(host, s.HostId));
        return response;
    }
}
