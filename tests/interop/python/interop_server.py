#!/usr/bin/python3
"""grpcio implementation of grpc.testing.TestService (gRPC interop "server features").

Usage:
  interop_server.py --port P [--use_tls --cert_file F --key_file F]
                    [--bind ADDR] [--direct] [--serve_health_reflection] [--verbose]

Prints exactly one line "LISTENING <port>" on stdout once it accepts connections,
then serves until SIGTERM/SIGINT, or until stdin reaches EOF when stdin is a pipe.

Default topology (so that per-message compression flags can be verified):

  client --(h2c or TLS, ALPN h2)--> [tap relay :P] --(h2c, bytes unchanged)--> grpcio server 127.0.0.1:<ephemeral>

The relay never alters HTTP/2 bytes; it only parses frame headers + DATA to learn
the compressed flag of each request message (grpcio does not expose it).
--direct lets grpcio bind :P itself (native TLS) but then expect_compressed
cannot be verified and is ignored.
"""

import argparse
import os
import signal
import socket
import stat
import sys
import threading
import time
from collections import namedtuple
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402  (re-execs under /usr/bin/python3 if needed)

common.ensure_generated()

import grpc  # noqa: E402
from interop_pb import empty_pb2, messages_pb2  # noqa: E402

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
SERVICE = "grpc.testing.TestService"
SERVER_ID = "python-grpcio-interop-server"

# What the request deserializer hands to handlers: the message plus the
# compressed flag observed on the wire (None = unknown / --direct mode).
Req = namedtuple("Req", ["msg", "compressed"])


class _Rejected(Exception):
    def __init__(self, code, details):
        Exception.__init__(self, details)
        self.code = code
        self.details = details


def _payload(size):
    if size < 0:
        raise _Rejected(grpc.StatusCode.INVALID_ARGUMENT, "negative payload size %d" % size)
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=b"\x00" * size)


def _check_response_type(t):
    if t != messages_pb2.COMPRESSABLE:
        raise _Rejected(grpc.StatusCode.INVALID_ARGUMENT, "unsupported response_type %d" % t)


class _CallState(object):
    """Per-call helper: metadata echo, lazy compression, initial-metadata bookkeeping."""

    def __init__(self, ctx):
        self.ctx = ctx
        md = ctx.invocation_metadata() or ()
        self.echo_initial = [(k, v) for (k, v) in md if k == ECHO_INITIAL_KEY]
        self.echo_trailing = [(k, v) for (k, v) in md if k == ECHO_TRAILING_KEY]
        self.initial_sent = False
        self.compression_on = False
        if self.echo_trailing:
            ctx.set_trailing_metadata(tuple(self.echo_trailing))

    def want_compression(self):
        """Enable gzip for the call; only possible before initial metadata went out."""
        if not self.compression_on and not self.initial_sent:
            self.ctx.set_compression(grpc.Compression.Gzip)
            self.compression_on = True
        return self.compression_on

    def send_initial(self, extra=()):
        if not self.initial_sent:
            md = tuple(self.echo_initial) + tuple(extra)
            if md:
                self.ctx.send_initial_metadata(md)
            self.initial_sent = True

    def before_message(self, compress):
        """Call right before returning/yielding a response message."""
        if compress:
            if not self.want_compression():
                common.LOG.warning("compression requested after initial metadata was sent; sending uncompressed")
        if not self.initial_sent:
            self.send_initial()
        if self.compression_on and not compress:
            self.ctx.disable_next_message_compression()

    def abort(self, code, details):
        if self.echo_initial and not self.initial_sent:
            self.send_initial()
        self.ctx.abort(code, details)


class TestService(object):
    def __init__(self, tap_enabled):
        self.tap_enabled = tap_enabled

    # -- helpers -------------------------------------------------------------
    def _check_expect_compressed(self, req):
        msg = req.msg
        if not msg.HasField("expect_compressed"):
            return
        expected = msg.expect_compressed.value
        if req.compressed is None:
            if not self.tap_enabled:
                return  # --direct: cannot verify
            raise _Rejected(grpc.StatusCode.INTERNAL,
                            "interop server could not observe the request's compressed flag on the wire")
        if expected and not req.compressed:
            raise _Rejected(grpc.StatusCode.INVALID_ARGUMENT,
                            "Expected compressed request, but the message was not compressed")
        if not expected and req.compressed:
            raise _Rejected(grpc.StatusCode.INVALID_ARGUMENT,
                            "Expected uncompressed request, but the compressed flag was set")

    @staticmethod
    def _echo_status(cs, status):
        if status.code != 0:
            cs.abort(common.status_code_from_int(status.code), status.message)

    @staticmethod
    def _sleep_interval(ctx, interval_us):
        if interval_us > 0:
            deadline = time.monotonic() + interval_us / 1e6
            while ctx.is_active():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(left, 0.05))

    def _stream_responses(self, cs, params):
        for p in params:
            self._sleep_interval(cs.ctx, p.interval_us)
            if not cs.ctx.is_active():
                return
            compress = p.HasField("compressed") and p.compressed.value
            resp = messages_pb2.StreamingOutputCallResponse(payload=_payload(p.size))
            cs.before_message(compress)
            yield resp

    # -- RPCs ----------------------------------------------------------------
    def EmptyCall(self, req, ctx):
        cs = _CallState(ctx)
        cs.send_initial()
        return empty_pb2.Empty()

    def UnaryCall(self, req, ctx):
        cs = _CallState(ctx)
        msg = req.msg
        try:
            compress = msg.HasField("response_compressed") and msg.response_compressed.value
            if compress:
                cs.want_compression()
            self._check_expect_compressed(req)
            self._echo_status(cs, msg.response_status)
            _check_response_type(msg.response_type)
            resp = messages_pb2.SimpleResponse(payload=_payload(msg.response_size))
            if msg.fill_server_id:
                resp.server_id = SERVER_ID
            resp.hostname = socket.gethostname()
        except _Rejected as r:
            cs.abort(r.code, r.details)
        cs.before_message(compress)
        return resp

    def CacheableUnaryCall(self, req, ctx):
        cs = _CallState(ctx)
        cs.send_initial((("cache-control", "max-age=60, public"),))
        body = str(time.time_ns()).encode("ascii")
        return messages_pb2.SimpleResponse(payload=messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=body))

    def StreamingOutputCall(self, req, ctx):
        cs = _CallState(ctx)
        msg = req.msg
        try:
            _check_response_type(msg.response_type)
            if any(p.HasField("compressed") and p.compressed.value for p in msg.response_parameters):
                cs.want_compression()
            for resp in self._stream_responses(cs, msg.response_parameters):
                yield resp
            self._echo_status(cs, msg.response_status)
        except _Rejected as r:
            cs.abort(r.code, r.details)
        cs.send_initial()

    def StreamingInputCall(self, req_iter, ctx):
        cs = _CallState(ctx)
        total = 0
        try:
            for req in req_iter:
                self._check_expect_compressed(req)
                total += len(req.msg.payload.body)
        except _Rejected as r:
            cs.abort(r.code, r.details)
        cs.before_message(False)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, req_iter, ctx):
        cs = _CallState(ctx)
        try:
            for req in req_iter:
                msg = req.msg
                self._echo_status(cs, msg.response_status)
                _check_response_type(msg.response_type)
                for resp in self._stream_responses(cs, msg.response_parameters):
                    yield resp
        except _Rejected as r:
            cs.abort(r.code, r.details)
        cs.send_initial()

    def HalfDuplexCall(self, req_iter, ctx):
        cs = _CallState(ctx)
        buffered = [req.msg for req in req_iter]
        try:
            for msg in buffered:
                self._echo_status(cs, msg.response_status)
                _check_response_type(msg.response_type)
                for resp in self._stream_responses(cs, msg.response_parameters):
                    yield resp
        except _Rejected as r:
            cs.abort(r.code, r.details)
        cs.send_initial()

    # UnimplementedCall is intentionally NOT registered: grpcio answers
    # UNIMPLEMENTED for it like any real server does for an unknown method.


def _deserializer(msg_cls, tap):
    def deserialize(raw):
        m = msg_cls.FromString(raw)
        return Req(m, tap.take(raw) if tap is not None else None)
    return deserialize


def _plain_deserializer(msg_cls):
    return msg_cls.FromString


def _ser(m):
    return m.SerializeToString()


def build_handler(service, tap):
    d = lambda cls: _deserializer(cls, tap)  # noqa: E731
    handlers = {
        "EmptyCall": grpc.unary_unary_rpc_method_handler(
            service.EmptyCall, _plain_deserializer(empty_pb2.Empty), _ser),
        "UnaryCall": grpc.unary_unary_rpc_method_handler(
            service.UnaryCall, d(messages_pb2.SimpleRequest), _ser),
        "CacheableUnaryCall": grpc.unary_unary_rpc_method_handler(
            service.CacheableUnaryCall, d(messages_pb2.SimpleRequest), _ser),
        "StreamingOutputCall": grpc.unary_stream_rpc_method_handler(
            service.StreamingOutputCall, d(messages_pb2.StreamingOutputCallRequest), _ser),
        "StreamingInputCall": grpc.stream_unary_rpc_method_handler(
            service.StreamingInputCall, d(messages_pb2.StreamingInputCallRequest), _ser),
        "FullDuplexCall": grpc.stream_stream_rpc_method_handler(
            service.FullDuplexCall, d(messages_pb2.StreamingOutputCallRequest), _ser),
        "HalfDuplexCall": grpc.stream_stream_rpc_method_handler(
            service.HalfDuplexCall, d(messages_pb2.StreamingOutputCallRequest), _ser),
    }
    return grpc.method_handlers_generic_handler(SERVICE, handlers)


# ---------------------------------------------------------------------------
# Optional: grpc.health.v1.Health + grpc.reflection.{v1alpha,v1}.ServerReflection
# (only with --serve_health_reflection; used to self-test health_check.py /
# reflection_list.py, the default server does not expose them)
# ---------------------------------------------------------------------------

def add_health_and_reflection(server, service_names):
    from google.protobuf import descriptor_pb2, descriptor_pool
    from interop_pb import health_pb2, health_pb2_grpc
    from interop_pb import test_pb2  # noqa: F401  (registers test.proto in the default pool)

    class Health(health_pb2_grpc.HealthServicer):
        def Check(self, request, context):
            if request.service in ("",) + tuple(service_names):
                return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service %r" % request.service)

    health_pb2_grpc.add_HealthServicer_to_server(Health(), server)
    names = list(service_names) + ["grpc.health.v1.Health"]

    def make_reflection(pb2, pb2_grpc):
        class Reflection(pb2_grpc.ServerReflectionServicer):
            def ServerReflectionInfo(self, request_iterator, context):
                pool = descriptor_pool.Default()
                for req in request_iterator:
                    resp = pb2.ServerReflectionResponse(valid_host=req.host, original_request=req)
                    which = req.WhichOneof("message_request")
                    try:
                        if which == "list_services":
                            for n in names:
                                resp.list_services_response.service.add(name=n)
                        elif which in ("file_containing_symbol", "file_by_filename"):
                            if which == "file_by_filename":
                                fd = pool.FindFileByName(req.file_by_filename)
                            else:
                                fd = pool.FindFileContainingSymbol(req.file_containing_symbol)
                            seen, order = set(), []

                            def walk(f):
                                if f.name in seen:
                                    return
                                seen.add(f.name)
                                order.append(f)
                                for dep in f.dependencies:
                                    walk(dep)
                            walk(fd)
                            for f in order:
                                p = descriptor_pb2.FileDescriptorProto()
                                f.CopyToProto(p)
                                resp.file_descriptor_response.file_descriptor_proto.append(p.SerializeToString())
                        else:
                            resp.error_response.error_code = grpc.StatusCode.UNIMPLEMENTED.value[0]
                            resp.error_response.error_message = "unsupported request %s" % which
                    except KeyError as e:
                        resp.ClearField("file_descriptor_response")
                        resp.error_response.error_code = grpc.StatusCode.NOT_FOUND.value[0]
                        resp.error_response.error_message = str(e)
                    yield resp
        return Reflection()

    from interop_pb import reflection_v1alpha_pb2, reflection_v1alpha_pb2_grpc
    reflection_v1alpha_pb2_grpc.add_ServerReflectionServicer_to_server(
        make_reflection(reflection_v1alpha_pb2, reflection_v1alpha_pb2_grpc), server)
    names.append("grpc.reflection.v1alpha.ServerReflection")
    try:
        from interop_pb import reflection_v1_pb2, reflection_v1_pb2_grpc
        reflection_v1_pb2_grpc.add_ServerReflectionServicer_to_server(
            make_reflection(reflection_v1_pb2, reflection_v1_pb2_grpc), server)
        names.append("grpc.reflection.v1.ServerReflection")
    except ImportError:
        pass


# ---------------------------------------------------------------------------

def _watch_stdin(stop):
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return  # /dev/null, a file or a tty: do not treat EOF as "stop"

    def run():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:  # pylint: disable=broad-except
            pass
        stop.set()
    threading.Thread(target=run, name="stdin-watch", daemon=True).start()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True, help="port to listen on; 0 = pick a free port")
    common.add_bool_flag(ap, "--use_tls", "serve TLS (ALPN h2) instead of h2c")
    ap.add_argument("--cert_file", help="PEM certificate chain (with --use_tls)")
    ap.add_argument("--key_file", help="PEM private key (with --use_tls)")
    ap.add_argument("--bind", default="::", help="listen address (default '::' = dual-stack any)")
    common.add_bool_flag(ap, "--direct", "grpcio binds the port itself (no wire tap; expect_compressed unverified)")
    common.add_bool_flag(ap, "--serve_health_reflection", "also serve grpc.health.v1 + reflection v1alpha/v1")
    common.add_bool_flag(ap, "--verbose", "debug logging to stderr")
    args = ap.parse_args(argv)
    common.setup_logging(args.verbose)

    if args.use_tls and not (args.cert_file and args.key_file):
        ap.error("--use_tls requires --cert_file and --key_file")

    tap = None if args.direct else common.WireTap()
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="interop-rpc"),
        options=[("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers((build_handler(TestService(tap_enabled=tap is not None), tap),))
    if args.serve_health_reflection:
        add_health_and_reflection(server, [SERVICE])

    relay = None
    if args.direct:
        addr = "%s:%d" % (common._bracket(args.bind), args.port)  # pylint: disable=protected-access
        if args.use_tls:
            creds = grpc.ssl_server_credentials(
                [(common.read_file_bytes(args.key_file), common.read_file_bytes(args.cert_file))])
            port = server.add_secure_port(addr, creds)
        else:
            port = server.add_insecure_port(addr)
        if port == 0:
            sys.stderr.write("error: could not bind %s\n" % addr)
            return 1
        server.start()
    else:
        backend_port = server.add_insecure_port("127.0.0.1:0")
        if backend_port == 0:
            sys.stderr.write("error: could not bind backend port\n")
            return 1
        server.start()
        try:
            sock = common.bind_listen_socket(args.bind, args.port)
        except OSError as e:
            sys.stderr.write("error: could not bind %s:%d: %s\n" % (args.bind, args.port, e))
            server.stop(None)
            return 1
        server_ssl = common.server_ssl_context(args.cert_file, args.key_file) if args.use_tls else None
        relay = common.TapRelay(sock, "127.0.0.1", backend_port, tap, observe="c2s", server_ssl=server_ssl).start()
        port = relay.port

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    _watch_stdin(stop)

    sys.stdout.write("LISTENING %d\n" % port)
    sys.stdout.flush()

    while not stop.wait(0.5):
        pass
    if relay is not None:
        relay.stop()
    server.stop(1).wait(3)
    if tap is not None and tap.problems:
        for p in tap.problems:
            common.LOG.warning("tap: %s", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
