#!/usr/bin/python3
"""A grpcio client of the metering service: runs the calls of a plan and reports what came back.

Usage:
  metering_client.py --target HOST:PORT [--key SECRET]
                     [--use_tls --ca_file F --server_host_override NAME] [--timeout_s 10] < plan.json

Needs $METERING_COMMON_PROTOS (the content/protos folder of the NuGet package
Google.Api.CommonProtos) to compile google/rpc/{status,error_details}.proto.

The plan (stdin) is {"calls": [CALL, ...]}; each CALL is run in order on one channel:
  {"method": "metering.v1.IngestService/StreamUsage", "requests": [MSG, ...]}
      bidi stream: every request is written at once, then the client half-closes and
      reads every response until the status;
      With "receipt_chain": {"host_id": H, "producer_id": P} this client also recomputes the
      producer's receipt chain (docs/trust.md) from the bytes it serialized and sent, and
      reports it as "own_chain" (below);
  {"method": "metering.v1.IngestService/ReportUsage", "request": MSG}
      unary (also UsageService/GetUsage, AdminService/*).
MSG is a message in the proto3 JSON mapping, parsed with the generated classes.
With --key every call carries `authorization: Bearer <key>`; without it, none.

stdout: one JSON line per call, in order:
  {"method": ..., "responses": [MSG, ...],
   "status": {"code": 9, "name": "FAILED_PRECONDITION", "message": "...",
              "details": <google.rpc.Status from grpc-status-details-bin, or null>}}
plus, for a call with "receipt_chain", "own_chain": [{"sequence": n, "request_sha256": hex,
"chain": hex}, ...], one per ACCEPTED or REJECTED ack in order, chained from chain_0 with
hashlib (nothing of the server's receipt is used but the result it acked); and where
details is decoded here: google.rpc.Status, its Any details unpacked to
google.rpc.ErrorInfo / BadRequest / ... by this client's generated classes, written in
the JSON mapping ("@type" names the detail). A details status whose code differs from
the call's makes the run fail (exit 1).
Exit status: 0 = every call was run (whatever its status), 1 = a broken reply, 2 = bad plan.
"""

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402  (re-execs under /usr/bin/python3 if needed)

common.ensure_generated(require_metering=True)

import grpc  # noqa: E402
from google.protobuf import json_format, symbol_database  # noqa: E402
from interop_pb.google.rpc import error_details_pb2, status_pb2  # noqa: E402,F401  (error_details: Any types)
from metering.v1 import admin_pb2, admin_pb2_grpc  # noqa: E402
from metering.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402
from metering.v1 import usage_service_pb2, usage_service_pb2_grpc  # noqa: E402

_MODULES = [(ingest_pb2, ingest_pb2_grpc), (usage_service_pb2, usage_service_pb2_grpc), (admin_pb2, admin_pb2_grpc)]
_CODE_BY_INT = {c.value[0]: c for c in grpc.StatusCode}


class PlanError(Exception):
    pass


class BrokenReply(Exception):
    pass


def _services():
    """{full service name: (ServiceDescriptor, Stub class)} of the generated modules."""
    found = {}
    for pb2, pb2_grpc in _MODULES:
        for name, service in pb2.DESCRIPTOR.services_by_name.items():
            found[service.full_name] = (service, getattr(pb2_grpc, name + "Stub"))
    return found


def _status(code, message, trailing_metadata):
    details = None
    for key, value in trailing_metadata or ():
        if key == "grpc-status-details-bin":
            rich = status_pb2.Status.FromString(value)
            if rich.code != code.value[0]:
                raise BrokenReply("grpc-status-details-bin has code %d, the call ended with %d (%s)"
                                  % (rich.code, code.value[0], code.name))
            details = json_format.MessageToDict(rich)
    return {"code": code.value[0], "name": code.name, "message": message or "", "details": details}


def own_chain(spec, requests, responses):
    """The receipt chain of docs/trust.md, computed here from the bytes this client sent."""
    head = hashlib.sha256(b"metering.v1/receipt-chain" + b"\x00" + spec["host_id"].encode("utf-8")
                          + b"\x00" + spec["producer_id"].encode("utf-8")).digest()
    sent = {r.sequence: hashlib.sha256(r.SerializeToString()).digest() for r in requests}
    chain = []
    for response in responses:
        if response.result not in (ingest_pb2.INGEST_RESULT_ACCEPTED, ingest_pb2.INGEST_RESULT_REJECTED):
            continue
        digest = sent[response.sequence]
        head = hashlib.sha256(head + response.sequence.to_bytes(8, "big") + bytes([response.result]) + digest).digest()
        chain.append({"sequence": response.sequence, "request_sha256": digest.hex(), "chain": head.hex()})
    return chain


def run_call(stubs, call, metadata, timeout):
    method = call.get("method", "")
    service_name, _, method_name = method.partition("/")
    if service_name not in stubs or method_name not in stubs[service_name][0].methods_by_name:
        raise PlanError("unknown method %r" % method)
    service, stub = stubs[service_name]
    descriptor = service.methods_by_name[method_name]
    request_type = symbol_database.Default().GetSymbol(descriptor.input_type.full_name)
    invoke = getattr(stub, method_name)
    if "requests" in call:
        requests = [json_format.ParseDict(r, request_type()) for r in call["requests"]]
        responses = []
        stream = invoke(iter(requests), metadata=metadata, timeout=timeout)
        try:
            for response in stream:
                responses.append(response)
            status = _status(stream.code(), stream.details(), stream.trailing_metadata())
        except grpc.RpcError as e:
            status = _status(e.code(), e.details(), e.trailing_metadata())
        if "receipt_chain" in call:
            return {"method": method, "responses": [json_format.MessageToDict(r) for r in responses], "status": status,
                    "own_chain": own_chain(call["receipt_chain"], requests, responses)}
    elif "request" in call:
        request = json_format.ParseDict(call["request"], request_type())
        try:
            response, outcome = invoke.with_call(request, metadata=metadata, timeout=timeout)
            responses = [response]
            status = _status(outcome.code(), outcome.details(), outcome.trailing_metadata())
        except grpc.RpcError as e:
            responses = []
            status = _status(e.code(), e.details(), e.trailing_metadata())
    else:
        raise PlanError("a call needs 'request' (unary) or 'requests' (stream): %r" % call)
    return {"method": method, "responses": [json_format.MessageToDict(r) for r in responses], "status": status}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_channel_arguments(ap)
    ap.add_argument("--key", help="API key sent as 'authorization: Bearer <key>' (none when absent)")
    args = ap.parse_args(argv)
    common.setup_logging()

    try:
        plan = json.load(sys.stdin)
        calls = plan["calls"]
    except (ValueError, KeyError, TypeError) as e:
        sys.stderr.write("bad plan: %s\n" % e)
        return 2
    metadata = (("authorization", "Bearer " + args.key),) if args.key else ()
    channel = common.channel_from_arguments(args)
    try:
        stubs = {name: (service, stub(channel)) for name, (service, stub) in _services().items()}
        for call in calls:
            print(json.dumps(run_call(stubs, call, metadata, args.timeout_s)), flush=True)
    except (PlanError, json_format.ParseError) as e:
        sys.stderr.write("bad plan: %s\n" % e)
        return 2
    except BrokenReply as e:
        sys.stderr.write("broken reply: %s\n" % e)
        return 1
    finally:
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
