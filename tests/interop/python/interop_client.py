#!/usr/bin/python3
"""grpcio interop client (grpc doc/interop-test-descriptions.md).

Usage:
  interop_client.py --server_host H --server_port P --test_cases a,b,c
                    [--use_tls --ca_file F --server_host_override NAME]
                    [--timeout_s 30] [--no_wire_tap] [--verbose]

Prints ONE JSON line per case, in the order given:
  {"case": "<name>", "passed": true|false, "error": "<empty when passed>"}
Exit status: 0 if every case passed, 1 otherwise (2 = usage error).
--test_cases all  runs every supported case.
"""

import argparse
import json
import os
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402  (re-execs under /usr/bin/python3 if needed)

common.ensure_generated()

import grpc  # noqa: E402
from interop_pb import empty_pb2, messages_pb2, test_pb2_grpc  # noqa: E402

LARGE_REQ = 271828
LARGE_RESP = 314159
REQ_SIZES = (27182, 8, 1828, 45904)
RESP_SIZES = (31415, 9, 2653, 58979)
ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
STATUS_MESSAGE = "test status message"
SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001F608\t\n"

TEST_SERVICE = "/grpc.testing.TestService/"


class CaseFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CaseFailed(what)


def zeros(n):
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=b"\x00" * n)


def check_payload(payload, size, what="response payload"):
    check(payload.type == messages_pb2.COMPRESSABLE, "%s: type %d != COMPRESSABLE" % (what, payload.type))
    check(len(payload.body) == size, "%s: body is %d bytes, expected %d" % (what, len(payload.body), size))
    check(payload.body == b"\x00" * size, "%s: body is not all zeros" % what)


def expect_rpc_error(fn, code, what):
    """Run fn(); it must raise grpc.RpcError with the given code. Returns the error."""
    try:
        fn()
    except grpc.RpcError as e:
        check(e.code() == code, "%s: expected %s, got %s (%r)" % (what, code.name, e.code(), e.details()))
        return e
    raise CaseFailed("%s: expected %s, but the call succeeded" % (what, code.name))


def describe(e):
    if isinstance(e, grpc.RpcError) and hasattr(e, "code"):
        try:
            return "RPC failed: %s: %s" % (e.code().name, e.details())
        except Exception:  # pylint: disable=broad-except
            pass
    return "%s: %s" % (type(e).__name__, e)


RequestPipe = common.RequestPipe


# --- per-message "do not compress" for client streams ------------------------
# grpcio's public API only offers per-CALL compression; client_compressed_streaming
# needs the second message of one call uncompressed. grpcio serializes each
# streamed request and then builds cygrpc.SendMessageOperation(data, flags) on the
# same thread, so a serializer can mark the next send with WriteFlag.no_compress
# (GRPC_WRITE_NO_COMPRESS) through a small shim around grpc._channel.cygrpc.

_tls = threading.local()


class NoCompress(object):
    def __init__(self, msg):
        self.msg = msg


def _serialize_marking(obj):
    if isinstance(obj, NoCompress):
        _tls.no_compress = True
        return obj.msg.SerializeToString()
    return obj.SerializeToString()


class _CygrpcShim(object):
    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def SendMessageOperation(self, data, flags):  # pylint: disable=invalid-name
        if getattr(_tls, "no_compress", False):
            _tls.no_compress = False
            flags = flags | self._real.WriteFlag.no_compress
        return self._real.SendMessageOperation(data, flags)


def install_no_compress_shim():
    import grpc._channel as gch  # pylint: disable=import-outside-toplevel
    if isinstance(gch.cygrpc, _CygrpcShim):
        return
    if not hasattr(gch, "cygrpc") or not hasattr(gch.cygrpc, "SendMessageOperation") \
            or not hasattr(gch.cygrpc.WriteFlag, "no_compress"):
        raise CaseFailed("this grpcio version has no hook for per-message NO_COMPRESS")
    gch.cygrpc = _CygrpcShim(gch.cygrpc)


# -----------------------------------------------------------------------------


class Client(object):
    def __init__(self, args):
        self.args = args
        self.timeout = args.timeout_s
        self.channel = common.make_channel(args.server_host, args.server_port, args.use_tls,
                                           args.ca_file, args.server_host_override)
        self.stub = test_pb2_grpc.TestServiceStub(self.channel)
        self._tapped = None  # (channel, tap, relay)

    def close(self):
        self.channel.close()
        if self._tapped:
            self._tapped[0].close()
            self._tapped[2].stop()

    # A second channel that reaches the server through a local relay which records
    # the compressed flag of every response message (server_compressed_*).
    def tapped(self):
        if self._tapped is None:
            a = self.args
            tap = common.WireTap()
            sock = common.bind_listen_socket("127.0.0.1", 0)
            up_ssl = common.client_ssl_context(a.ca_file) if a.use_tls else None
            relay = common.TapRelay(sock, a.server_host, a.server_port, tap, observe="s2c",
                                    upstream_ssl=up_ssl,
                                    upstream_server_hostname=a.server_host_override or a.server_host).start()
            authority = "%s:%d" % (common._bracket(a.server_host_override or a.server_host),  # pylint: disable=protected-access
                                   a.server_port)
            ch = grpc.insecure_channel("127.0.0.1:%d" % relay.port,
                                       options=[("grpc.default_authority", authority)])
            self._tapped = (ch, tap, relay)
        return self._tapped

    def flag_of(self, tap, relay, raw, what):
        if self.args.no_wire_tap:
            return None
        flag = tap.take(raw)
        if flag is None:
            extra = "; ".join(list(relay.problems) + list(tap.problems))
            raise CaseFailed("%s: compressed flag of the response was not observed on the wire%s"
                             % (what, (" (" + extra + ")") if extra else ""))
        return flag

    # --- cases ---------------------------------------------------------------

    def empty_unary(self):
        resp = self.stub.EmptyCall(empty_pb2.Empty(), timeout=self.timeout)
        check(resp is not None and isinstance(resp, empty_pb2.Empty), "response is not an Empty")
        check(resp.ByteSize() == 0, "response is not zero bytes")

    def large_unary(self):
        req = messages_pb2.SimpleRequest(response_type=messages_pb2.COMPRESSABLE,
                                         response_size=LARGE_RESP, payload=zeros(LARGE_REQ))
        resp = self.stub.UnaryCall(req, timeout=self.timeout)
        check_payload(resp.payload, LARGE_RESP)

    def client_streaming(self):
        reqs = [messages_pb2.StreamingInputCallRequest(payload=zeros(n)) for n in REQ_SIZES]
        resp = self.stub.StreamingInputCall(iter(reqs), timeout=self.timeout)
        check(resp.aggregated_payload_size == 74922,
              "aggregated_payload_size %d != 74922" % resp.aggregated_payload_size)

    def server_streaming(self):
        req = messages_pb2.StreamingOutputCallRequest(
            response_type=messages_pb2.COMPRESSABLE,
            response_parameters=[messages_pb2.ResponseParameters(size=n) for n in RESP_SIZES])
        call = self.stub.StreamingOutputCall(req, timeout=self.timeout)
        got = list(call)
        check(len(got) == len(RESP_SIZES), "got %d responses, expected %d" % (len(got), len(RESP_SIZES)))
        for i, (r, n) in enumerate(zip(got, RESP_SIZES)):
            check_payload(r.payload, n, "response #%d" % i)
        check(call.code() == grpc.StatusCode.OK, "final status %s" % call.code())

    def ping_pong(self):
        pipe = RequestPipe()
        call = self.stub.FullDuplexCall(pipe, timeout=self.timeout)
        try:
            for i, (req_n, resp_n) in enumerate(zip(REQ_SIZES, RESP_SIZES)):
                pipe.add(messages_pb2.StreamingOutputCallRequest(
                    response_type=messages_pb2.COMPRESSABLE,
                    response_parameters=[messages_pb2.ResponseParameters(size=resp_n)],
                    payload=zeros(req_n)))
                r = next(call, None)
                check(r is not None, "stream ended before response #%d" % i)
                check_payload(r.payload, resp_n, "response #%d" % i)
            pipe.close()
            extra = next(call, None)
            check(extra is None, "unexpected extra response after half-close")
            check(call.code() == grpc.StatusCode.OK, "final status %s" % call.code())
        finally:
            pipe.close()
            call.cancel()

    def empty_stream(self):
        call = self.stub.FullDuplexCall(iter(()), timeout=self.timeout)
        got = list(call)
        check(len(got) == 0, "expected zero responses, got %d" % len(got))
        check(call.code() == grpc.StatusCode.OK, "final status %s" % call.code())

    def timeout_on_sleeping_server(self):
        pipe = RequestPipe()
        pipe.add(messages_pb2.StreamingOutputCallRequest(payload=zeros(27182)))
        call = self.stub.FullDuplexCall(pipe, timeout=0.001)
        try:
            expect_rpc_error(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED, "FullDuplexCall with 1ms deadline")
        finally:
            pipe.close()

    def cancel_after_begin(self):
        pipe = RequestPipe()
        fut = self.stub.StreamingInputCall.future(pipe, timeout=self.timeout)
        try:
            fut.cancel()
            check(fut.cancelled(), "future.cancelled() is False after cancel()")
            check(fut.code() == grpc.StatusCode.CANCELLED, "status %s, expected CANCELLED" % fut.code())
        finally:
            pipe.close()

    def cancel_after_first_response(self):
        pipe = RequestPipe()
        call = self.stub.FullDuplexCall(pipe, timeout=self.timeout)
        try:
            pipe.add(messages_pb2.StreamingOutputCallRequest(
                response_type=messages_pb2.COMPRESSABLE,
                response_parameters=[messages_pb2.ResponseParameters(size=31415)],
                payload=zeros(27182)))
            r = next(call, None)
            check(r is not None, "no first response")
            check_payload(r.payload, 31415, "first response")
            call.cancel()
            expect_rpc_error(lambda: next(call), grpc.StatusCode.CANCELLED, "reading after cancel")
            check(call.code() == grpc.StatusCode.CANCELLED, "status %s, expected CANCELLED" % call.code())
        finally:
            pipe.close()

    def _status_case(self, message, duplex):
        status = messages_pb2.EchoStatus(code=2, message=message)
        e = expect_rpc_error(
            lambda: self.stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status), timeout=self.timeout),
            grpc.StatusCode.UNKNOWN, "UnaryCall")
        check(e.details() == message, "UnaryCall: status message %r != %r" % (e.details(), message))
        if duplex:
            req = messages_pb2.StreamingOutputCallRequest(response_status=status)
            call = self.stub.FullDuplexCall(iter([req]), timeout=self.timeout)
            e = expect_rpc_error(lambda: list(call), grpc.StatusCode.UNKNOWN, "FullDuplexCall")
            check(e.details() == message, "FullDuplexCall: status message %r != %r" % (e.details(), message))

    def status_code_and_message(self):
        self._status_case(STATUS_MESSAGE, duplex=True)

    def special_status_message(self):
        self._status_case(SPECIAL_STATUS_MESSAGE, duplex=False)

    @staticmethod
    def _check_echo(initial, trailing, what):
        initial = list(initial or ())
        trailing = list(trailing or ())
        check(any((k, v) == ECHO_INITIAL for (k, v) in initial),
              "%s: %s=%r missing from initial metadata %r" % (what, ECHO_INITIAL[0], ECHO_INITIAL[1], initial))
        check(any((k, v) == ECHO_TRAILING for (k, v) in trailing),
              "%s: %s=%r missing from trailing metadata %r" % (what, ECHO_TRAILING[0], ECHO_TRAILING[1], trailing))

    def custom_metadata(self):
        md = (ECHO_INITIAL, ECHO_TRAILING)
        req = messages_pb2.SimpleRequest(response_type=messages_pb2.COMPRESSABLE,
                                         response_size=LARGE_RESP, payload=zeros(LARGE_REQ))
        resp, call = self.stub.UnaryCall.with_call(req, metadata=md, timeout=self.timeout)
        check_payload(resp.payload, LARGE_RESP, "UnaryCall response")
        self._check_echo(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")

        sreq = messages_pb2.StreamingOutputCallRequest(
            response_type=messages_pb2.COMPRESSABLE,
            response_parameters=[messages_pb2.ResponseParameters(size=LARGE_RESP)],
            payload=zeros(LARGE_REQ))
        scall = self.stub.FullDuplexCall(iter([sreq]), metadata=md, timeout=self.timeout)
        got = list(scall)
        check(len(got) == 1, "FullDuplexCall: got %d responses, expected 1" % len(got))
        check_payload(got[0].payload, LARGE_RESP, "FullDuplexCall response")
        check(scall.code() == grpc.StatusCode.OK, "FullDuplexCall: status %s" % scall.code())
        self._check_echo(scall.initial_metadata(), scall.trailing_metadata(), "FullDuplexCall")

    def unimplemented_method(self):
        mc = self.channel.unary_unary(TEST_SERVICE + "UnimplementedCall",
                                      request_serializer=empty_pb2.Empty.SerializeToString,
                                      response_deserializer=empty_pb2.Empty.FromString)
        expect_rpc_error(lambda: mc(empty_pb2.Empty(), timeout=self.timeout),
                         grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")

    def unimplemented_service(self):
        stub = test_pb2_grpc.UnimplementedServiceStub(self.channel)
        expect_rpc_error(lambda: stub.UnimplementedCall(empty_pb2.Empty(), timeout=self.timeout),
                         grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")

    def client_compressed_unary(self):
        def req(expect):
            return messages_pb2.SimpleRequest(
                response_type=messages_pb2.COMPRESSABLE, response_size=LARGE_RESP, payload=zeros(LARGE_REQ),
                expect_compressed=messages_pb2.BoolValue(value=expect))
        # 1. feature probe: uncompressed but expect_compressed=true -> INVALID_ARGUMENT
        expect_rpc_error(lambda: self.stub.UnaryCall(req(True), timeout=self.timeout),
                         grpc.StatusCode.INVALID_ARGUMENT, "probe (uncompressed, expect_compressed=true)")
        # 2. compressed
        resp = self.stub.UnaryCall(req(True), timeout=self.timeout, compression=grpc.Compression.Gzip)
        check_payload(resp.payload, LARGE_RESP, "compressed call")
        # 3. uncompressed
        resp = self.stub.UnaryCall(req(False), timeout=self.timeout)
        check_payload(resp.payload, LARGE_RESP, "uncompressed call")

    def client_compressed_streaming(self):
        install_no_compress_shim()
        probe = messages_pb2.StreamingInputCallRequest(
            expect_compressed=messages_pb2.BoolValue(value=True), payload=zeros(27182))
        # 1. feature probe
        expect_rpc_error(lambda: self.stub.StreamingInputCall(iter([probe]), timeout=self.timeout),
                         grpc.StatusCode.INVALID_ARGUMENT, "probe (uncompressed, expect_compressed=true)")
        # 2./3. one call: first message compressed, second explicitly uncompressed
        mc = self.channel.stream_unary(TEST_SERVICE + "StreamingInputCall",
                                       request_serializer=_serialize_marking,
                                       response_deserializer=messages_pb2.StreamingInputCallResponse.FromString)
        first = messages_pb2.StreamingInputCallRequest(
            expect_compressed=messages_pb2.BoolValue(value=True), payload=zeros(27182))
        second = messages_pb2.StreamingInputCallRequest(
            expect_compressed=messages_pb2.BoolValue(value=False), payload=zeros(45904))
        resp = mc(iter([first, NoCompress(second)]), timeout=self.timeout, compression=grpc.Compression.Gzip)
        check(resp.aggregated_payload_size == 73086,
              "aggregated_payload_size %d != 73086" % resp.aggregated_payload_size)

    def server_compressed_unary(self):
        ch, tap, relay = self.tapped()
        mc = ch.unary_unary(TEST_SERVICE + "UnaryCall",
                            request_serializer=messages_pb2.SimpleRequest.SerializeToString,
                            response_deserializer=lambda raw: (messages_pb2.SimpleResponse.FromString(raw), raw))
        for want in (True, False):
            req = messages_pb2.SimpleRequest(
                response_type=messages_pb2.COMPRESSABLE, response_size=LARGE_RESP, payload=zeros(LARGE_REQ),
                response_compressed=messages_pb2.BoolValue(value=want))
            what = "response_compressed=%s" % str(want).lower()
            resp, raw = mc(req, timeout=self.timeout)
            check_payload(resp.payload, LARGE_RESP, what)
            flag = self.flag_of(tap, relay, raw, what)
            if flag is not None:
                check(flag == want, "%s: compressed flag on the wire was %s" % (what, flag))

    def server_compressed_streaming(self):
        ch, tap, relay = self.tapped()
        mc = ch.unary_stream(
            TEST_SERVICE + "StreamingOutputCall",
            request_serializer=messages_pb2.StreamingOutputCallRequest.SerializeToString,
            response_deserializer=lambda raw: (messages_pb2.StreamingOutputCallResponse.FromString(raw), raw))
        plan = ((True, 31415), (False, 92653))
        req = messages_pb2.StreamingOutputCallRequest(
            response_type=messages_pb2.COMPRESSABLE,
            response_parameters=[messages_pb2.ResponseParameters(size=n, compressed=messages_pb2.BoolValue(value=c))
                                 for (c, n) in plan])
        call = mc(req, timeout=self.timeout)
        got = list(call)
        check(len(got) == 2, "got %d responses, expected 2" % len(got))
        for i, ((resp, raw), (want, n)) in enumerate(zip(got, plan)):
            what = "response #%d (compressed=%s)" % (i, str(want).lower())
            check_payload(resp.payload, n, what)
            flag = self.flag_of(tap, relay, raw, what)
            if flag is not None:
                check(flag == want, "%s: compressed flag on the wire was %s" % (what, flag))
        check(call.code() == grpc.StatusCode.OK, "final status %s" % call.code())


ALL_CASES = (
    "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
    "timeout_on_sleeping_server", "cancel_after_begin", "cancel_after_first_response",
    "status_code_and_message", "special_status_message", "custom_metadata",
    "unimplemented_method", "unimplemented_service",
    "client_compressed_unary", "client_compressed_streaming",
    "server_compressed_unary", "server_compressed_streaming",
)


def run_case(client, name, verbose=False):
    if name not in ALL_CASES:
        return False, "unknown test case %r (known: %s)" % (name, ",".join(ALL_CASES))
    try:
        getattr(client, name)()
        return True, ""
    except CaseFailed as e:
        return False, str(e)
    except grpc.RpcError as e:
        err = describe(e)
        if client._tapped is not None and name.startswith("server_compressed"):  # pylint: disable=protected-access
            problems = list(client._tapped[2].problems)  # pylint: disable=protected-access
            if problems:
                err += " [wire-tap relay: %s]" % "; ".join(problems)
        return False, err
    except Exception as e:  # pylint: disable=broad-except
        if verbose:
            traceback.print_exc()
        return False, describe(e)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server_host", default="localhost")
    ap.add_argument("--server_port", type=int, required=True)
    ap.add_argument("--test_cases", "--test_case", dest="test_cases", required=True,
                    help="comma separated case names, or 'all'")
    common.add_bool_flag(ap, "--use_tls", "connect with TLS (ALPN h2)")
    ap.add_argument("--ca_file", help="PEM root certificate(s) to trust (default: system roots)")
    ap.add_argument("--server_host_override", help="TLS name to verify / :authority host")
    ap.add_argument("--timeout_s", type=float, default=30.0, help="per-RPC deadline in seconds (default 30)")
    common.add_bool_flag(ap, "--no_wire_tap", "skip wire-level compressed-flag assertions in server_compressed_*")
    common.add_bool_flag(ap, "--verbose", "debug logging / tracebacks to stderr")
    args = ap.parse_args(argv)
    common.setup_logging(args.verbose)

    names = [n.strip() for n in args.test_cases.split(",") if n.strip()]
    if names == ["all"]:
        names = list(ALL_CASES)
    if not names:
        ap.error("--test_cases is empty")

    client = Client(args)
    all_ok = True
    try:
        for name in names:
            t0 = time.monotonic()
            ok, err = run_case(client, name, args.verbose)
            if args.verbose:
                sys.stderr.write("%s: %s in %.0f ms\n" % (name, "PASS" if ok else "FAIL", (time.monotonic() - t0) * 1e3))
            all_ok = all_ok and ok
            sys.stdout.write(json.dumps({"case": name, "passed": ok, "error": err}) + "\n")
            sys.stdout.flush()
    finally:
        client.close()
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
