using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// Who may call what (docs/wire.md, settlement.proto, corrections.proto): ADMIN manages agreements; BILLING and ADMIN
/// list agreements, run and finalize; HOST reads its own statements only. Corrections: every role proposes and lists
/// (HOST its own host only), BILLING and ADMIN approve, decline and resolve disputes, HOST alone acknowledges and
/// disputes its own statements. Missing or bad key: UNAUTHENTICATED; wrong role or another host's data:
/// PERMISSION_DENIED. An allowed call is a real one that succeeds and is checked to have done its work.
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
            Row("ProposeCorrection", StatusCode.OK, StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied);
            Row("ApproveCorrection", StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied);
            Row("DeclineCorrection", StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied);
            Row("ListCorrections", StatusCode.OK, StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied);
            Row("AcknowledgeStatement", StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.OK, StatusCode.PermissionDenied);
            Row("DisputeStatement", StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.OK, StatusCode.PermissionDenied);
            Row("ListDisputes", StatusCode.OK, StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied);
            Row("ResolveDispute", StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied);
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

        Assert.Equal(expected, await CallAsync(rpc, caller, options));
    }

    [Fact]
    public async Task HostListingWithoutFilter_SeesOnlyItsOwnStatements()
    {
        var response = await _fixture.Client.ListStatementsAsync(new ListStatementsRequest(), Calls.As(_fixture.Keys["host"]));

        Assert.Equal([RoleMatrixFixture.OwnHost], response.Statements.Select(s => s.HostId).Distinct());
    }

    [Fact]
    public async Task HostListingWithoutFilter_SeesOnlyItsOwnCorrectionsAndDisputes()
    {
        var host = Calls.As(_fixture.Keys["host"]);

        var corrections = await _fixture.Corrections.ListCorrectionsAsync(new ListCorrectionsRequest(), host);
        var disputes = await _fixture.Corrections.ListDisputesAsync(new ListDisputesRequest(), host);

        Assert.Equal([RoleMatrixFixture.OwnHost], corrections.Corrections.Select(c => c.Correction_.HostId).Distinct());
        Assert.Equal([RoleMatrixFixture.OwnHost], disputes.Disputes.Select(d => d.HostId).Distinct());
    }

    private async Task<StatusCode> CallAsync(string rpc, string caller, CallOptions options)
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
                "ProposeCorrection" => await ProposeCorrectionAsync(host, caller, options),
                "ApproveCorrection" => await ApproveCorrectionAsync(host, options),
                "DeclineCorrection" => await DeclineCorrectionAsync(host, options),
                "ListCorrections" => await ListCorrectionsAsync(host, options),
                "AcknowledgeStatement" => await AcknowledgeStatementAsync(host, options),
                "DisputeStatement" => await DisputeStatementAsync(host, options),
                "ListDisputes" => await ListDisputesAsync(host, options),
                "ResolveDispute" => await ResolveDisputeAsync(host, options),
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

    /// <summary>A HOST key's correction waits as PROPOSED; a BILLING or ADMIN key's is APPROVED at once.</summary>
    private async Task<IMessage> ProposeCorrectionAsync(string host, string caller, CallOptions options)
    {
        var response = await _fixture.Corrections.ProposeCorrectionAsync(new ProposeCorrectionRequest { Correction = RoleMatrixFixture.Correction(host) }, options);
        Assert.Equal((host, 1L), (response.Correction.Correction_.HostId, response.Correction.Correction_.Requests));
        Assert.Equal(caller == "host" ? CorrectionState.Proposed : CorrectionState.Approved, response.Correction.State);
        return response;
    }

    /// <summary>Approves a correction the host proposes just before (as its own HOST key), so every call has one to approve.</summary>
    private async Task<IMessage> ApproveCorrectionAsync(string host, CallOptions options)
    {
        var proposed = await ProposeAsHostAsync(host);
        var response = await _fixture.Corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = proposed.CorrectionId }, options);
        Assert.Equal((proposed.CorrectionId, CorrectionState.Approved), (response.Correction.CorrectionId, response.Correction.State));
        return response;
    }

    /// <summary>Declines a correction the host proposes just before.</summary>
    private async Task<IMessage> DeclineCorrectionAsync(string host, CallOptions options)
    {
        var proposed = await ProposeAsHostAsync(host);
        var response = await _fixture.Corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = proposed.CorrectionId, Reason = "role matrix" }, options);
        Assert.Equal((proposed.CorrectionId, CorrectionState.Declined), (response.Correction.CorrectionId, response.Correction.State));
        return response;
    }

    private async Task<IMessage> ListCorrectionsAsync(string host, CallOptions options)
    {
        var response = await _fixture.Corrections.ListCorrectionsAsync(new ListCorrectionsRequest { HostId = host }, options);
        Assert.NotEmpty(response.Corrections);
        Assert.All(response.Corrections, c => Assert.Equal(host, c.Correction_.HostId));
        return response;
    }

    private async Task<IMessage> AcknowledgeStatementAsync(string host, CallOptions options)
    {
        var statementId = _fixture.AcknowledgeStatementIds[host];
        var response = await _fixture.Corrections.AcknowledgeStatementAsync(new AcknowledgeStatementRequest { StatementId = statementId }, options);
        Assert.Equal((statementId, host), (response.Acknowledgement.StatementId, response.Acknowledgement.HostId));
        return response;
    }

    private async Task<IMessage> DisputeStatementAsync(string host, CallOptions options)
    {
        var statementId = _fixture.DisputeStatementIds[host];
        var response = await _fixture.Corrections.DisputeStatementAsync(new DisputeStatementRequest { StatementId = statementId, Message = "role matrix" }, options);
        Assert.Equal((statementId, host, DisputeState.Open), (response.Dispute.StatementId, response.Dispute.HostId, response.Dispute.State));
        return response;
    }

    private async Task<IMessage> ListDisputesAsync(string host, CallOptions options)
    {
        var response = await _fixture.Corrections.ListDisputesAsync(new ListDisputesRequest { HostId = host }, options);
        Assert.NotEmpty(response.Disputes);
        Assert.All(response.Disputes, d => Assert.Equal(host, d.HostId));
        return response;
    }

    /// <summary>Rejects a dispute the host opens just before (as its own HOST key), so every call has an OPEN one to close.</summary>
    private async Task<IMessage> ResolveDisputeAsync(string host, CallOptions options)
    {
        var opened = (await _fixture.Corrections.DisputeStatementAsync(
            new DisputeStatementRequest { StatementId = _fixture.DisputeStatementIds[host], Message = "to be resolved" },
            Calls.As(_fixture.HostKey(host)))).Dispute;
        var response = await _fixture.Corrections.ResolveDisputeAsync(new ResolveDisputeRequest { DisputeId = opened.DisputeId, RejectionReason = "role matrix" }, options);
        Assert.Equal((opened.DisputeId, DisputeState.Rejected), (response.Dispute.DisputeId, response.Dispute.State));
        return response;
    }

    private async Task<Correction> ProposeAsHostAsync(string host)
    {
        var proposed = (await _fixture.Corrections.ProposeCorrectionAsync(new ProposeCorrectionRequest { Correction = RoleMatrixFixture.Correction(host) }, Calls.As(_fixture.HostKey(host)))).Correction;
        Assert.Equal(CorrectionState.Proposed, proposed.State);
        return proposed;
    }
}
