"""Shared helpers for the Python (grpcio) side of the gRPC interop tests.

Contents:
  * ensure_python()      - re-exec under /usr/bin/python3 if grpcio is not importable.
  * ensure_generated()   - generate the *_pb2 / *_pb2_grpc modules (package ``interop_pb``)
                           and put them on sys.path.
  * WireTap / H2MessageObserver / TapRelay
                         - a byte-transparent TCP/TLS relay that parses HTTP/2 frames
                           (no HPACK needed) in one direction and records the
                           "compressed" flag of every gRPC length-prefixed message.
                           grpcio has no API that exposes per-message compression flags,
                           so this is how expect_compressed / response_compressed are
                           verified on the wire.
  * make_channel()       - grpcio channel (h2c or TLS with target-name override).
"""

import os
import sys

_SYSTEM_PYTHON = "/usr/bin/python3"


def ensure_python():
    """grpcio (Debian python3-grpcio) is importable only by /usr/bin/python3.

    If we were started by another interpreter (e.g. a pyenv ``python3`` on PATH)
    re-exec the same command line under /usr/bin/python3.
    """
    try:
        import grpc  # noqa: F401
        import grpc_tools  # noqa: F401
        return
    except ImportError:
        pass
    if (os.path.realpath(sys.executable) != os.path.realpath(_SYSTEM_PYTHON)
            and os.path.exists(_SYSTEM_PYTHON)
            and not os.environ.get("INTEROP_NO_REEXEC")):
        os.environ["INTEROP_NO_REEXEC"] = "1"
        os.execv(_SYSTEM_PYTHON, [_SYSTEM_PYTHON] + sys.argv)
    sys.stderr.write("error: grpcio/grpc_tools not importable; run with %s\n" % _SYSTEM_PYTHON)
    sys.exit(3)


ensure_python()

import asyncio  # noqa: E402
import collections  # noqa: E402
import fcntl  # noqa: E402
import hashlib  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import zlib  # noqa: E402

import grpc  # noqa: E402

LOG = logging.getLogger("interop")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# ---------------------------------------------------------------------------
# Stub generation
# ---------------------------------------------------------------------------

GEN_VERSION = "1"
GEN_PACKAGE = "interop_pb"
_SYS_PROTO_ROOT = "/usr/share/grpc-proto"


def _testing_proto_dir():
    """First directory holding {empty,messages,test}.proto: $INTEROP_PROTO_DIR, the
    repo's vendored copies, then Debian's /usr/share/grpc-proto."""
    candidates = [
        os.environ.get("INTEROP_PROTO_DIR"),
        os.path.join(REPO_ROOT, "tests", "Metering.Tests", "Protos", "grpc", "testing"),
        os.path.join(REPO_ROOT, "tests", "protos", "grpc", "testing"),
        os.path.join(_SYS_PROTO_ROOT, "grpc", "testing"),
    ]
    for d in candidates:
        if d and all(os.path.isfile(os.path.join(d, n + ".proto")) for n in ("empty", "messages", "test")):
            return d
    raise RuntimeError("grpc/testing protos not found in any of %s" % [c for c in candidates if c])


def _proto_sources():
    """[(target file name inside interop_pb/, source path)]"""
    tdir = _testing_proto_dir()
    srcs = [(n + ".proto", os.path.join(tdir, n + ".proto")) for n in ("empty", "messages", "test")]
    extra = [
        ("health.proto", os.path.join(_SYS_PROTO_ROOT, "grpc", "health", "v1", "health.proto")),
        ("reflection_v1alpha.proto",
         os.path.join(_SYS_PROTO_ROOT, "grpc", "reflection", "v1alpha", "reflection.proto")),
        ("reflection_v1.proto", os.path.join(_SYS_PROTO_ROOT, "grpc", "reflection", "v1", "reflection.proto")),
    ]
    srcs += [(t, p) for (t, p) in extra if os.path.isfile(p)]
    return srcs


def _rewrite_proto(text):
    # import "grpc/testing/X.proto"  ->  import "interop_pb/X.proto"
    # (package grpc.testing is left alone so wire names stay /grpc.testing.*)
    return text.replace('import "grpc/testing/', 'import "%s/' % GEN_PACKAGE)


def _default_gen_dir():
    return os.environ.get("INTEROP_GEN_DIR") or os.path.join(HERE, "gen")


def _generate_into(gen_dir, sources, stamp):
    os.makedirs(gen_dir, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".stage-", dir=gen_dir)
    try:
        src_root = os.path.join(stage, "src")
        out_root = os.path.join(stage, "out")
        os.makedirs(os.path.join(src_root, GEN_PACKAGE))
        os.makedirs(out_root)
        names = []
        for target, path in sources:
            with open(path, "r", encoding="utf-8") as f:
                text = _rewrite_proto(f.read())
            with open(os.path.join(src_root, GEN_PACKAGE, target), "w", encoding="utf-8") as f:
                f.write(text)
            names.append(GEN_PACKAGE + "/" + target)
        cmd = [sys.executable, "-m", "grpc_tools.protoc", "-I" + src_root,
               "--python_out=" + out_root, "--grpc_python_out=" + out_root] + names
        proc = subprocess.run(cmd, cwd=src_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError("protoc failed (%d): %s" % (proc.returncode, proc.stderr.decode(errors="replace")))
        pkg_out = os.path.join(out_root, GEN_PACKAGE)
        with open(os.path.join(pkg_out, "__init__.py"), "w") as f:
            f.write("# generated by interop_common.ensure_generated(); do not edit\n")
        final = os.path.join(gen_dir, GEN_PACKAGE)
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(pkg_out, final)
        with open(os.path.join(gen_dir, ".stamp"), "w") as f:
            f.write(stamp)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _stamp_for(sources):
    h = hashlib.sha256(GEN_VERSION.encode())
    for target, path in sources:
        h.update(target.encode())
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def generate(gen_dir=None, force=False):
    """Generate stubs into gen_dir (default tests/interop/python/gen) if missing/stale.

    Concurrency-safe (flock). Returns the directory that must be on sys.path.
    Falls back to a per-user temp dir if the default location is not writable.
    """
    sources = _proto_sources()
    stamp = _stamp_for(sources)
    candidates = [gen_dir or _default_gen_dir()]
    if gen_dir is None:
        candidates.append(os.path.join(tempfile.gettempdir(), "interop_pb_gen_%d" % os.getuid()))
    last_err = None
    for d in candidates:
        try:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    current = None
                    try:
                        with open(os.path.join(d, ".stamp")) as f:
                            current = f.read().strip()
                    except OSError:
                        pass
                    ok = (not force and current == stamp
                          and os.path.isfile(os.path.join(d, GEN_PACKAGE, "test_pb2_grpc.py")))
                    if not ok:
                        _generate_into(d, sources, stamp)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
            return d
        except OSError as e:
            last_err = e
            continue
    raise RuntimeError("cannot generate stubs: %s" % last_err)


def ensure_generated():
    d = generate()
    if d not in sys.path:
        sys.path.insert(0, d)
    return d


# ---------------------------------------------------------------------------
# Misc helpers
# ---------------------------------------------------------------------------

def str2bool(v):
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "y", "on"):
        return True
    if s in ("0", "false", "no", "n", "off"):
        return False
    raise ValueError("not a boolean: %r" % v)


def add_bool_flag(parser, name, help_text):
    """--flag, --flag=true, --flag false are all accepted (grpc interop style)."""
    parser.add_argument(name, nargs="?", const=True, default=False, type=str2bool, help=help_text)


_CODE_BY_INT = {c.value[0]: c for c in grpc.StatusCode}


def status_code_from_int(i):
    return _CODE_BY_INT.get(int(i), grpc.StatusCode.UNKNOWN)


def read_file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def make_channel(host, port, use_tls=False, ca_file=None, host_override=None, options=()):
    target = "%s:%d" % (_bracket(host), int(port))
    opts = list(options)
    if use_tls:
        roots = read_file_bytes(ca_file) if ca_file else None
        creds = grpc.ssl_channel_credentials(root_certificates=roots)
        if host_override:
            opts.append(("grpc.ssl_target_name_override", host_override))
        return grpc.secure_channel(target, creds, options=opts)
    if host_override:
        opts.append(("grpc.default_authority", "%s:%d" % (_bracket(host_override), int(port))))
    return grpc.insecure_channel(target, options=opts)


def _bracket(host):
    if ":" in host and not host.startswith("["):
        return "[%s]" % host
    return host


def split_target(target):
    """'host:port' / '[v6]:port' -> (host, port)."""
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        return host, int(rest.lstrip(":"))
    host, _, port = target.rpartition(":")
    if not host:
        raise ValueError("target must be HOST:PORT, got %r" % target)
    return host, int(port)


class RequestPipe(object):
    """Request iterator for streaming calls fed from another thread; close() half-closes."""

    _END = object()

    def __init__(self):
        import queue  # pylint: disable=import-outside-toplevel
        self._q = queue.Queue()

    def add(self, msg):
        self._q.put(msg)

    def close(self):
        self._q.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._q.get()
        if item is self._END:
            raise StopIteration()
        return item


# ---------------------------------------------------------------------------
# Wire tap: observe per-message compression flags on the HTTP/2 byte stream
# ---------------------------------------------------------------------------

_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_FRAME_DATA = 0x0
_FRAME_RST_STREAM = 0x3
_FLAG_END_STREAM = 0x1
_FLAG_PADDED = 0x8


class WireTap(object):
    """Remembers, per message content, whether it travelled compressed.

    Messages are keyed by sha256 of the *uncompressed* serialized message, which
    is exactly the byte string grpcio later hands to a (de)serializer. Several
    messages with equal content are kept in FIFO order.
    """

    MAX_KEYS = 4096

    def __init__(self):
        self._lock = threading.Lock()
        self._seen = collections.OrderedDict()  # digest -> deque[bool]
        self.problems = collections.deque(maxlen=50)

    def on_message(self, stream_id, flags, payload):
        compressed = bool(flags & 0x1)
        plain = payload
        if compressed:
            try:
                plain = zlib.decompress(payload, 47)  # gzip or zlib ("deflate") framing
            except zlib.error as e:
                self.problems.append("stream %d: cannot decompress %d-byte message: %s" % (stream_id, len(payload), e))
                return
        key = hashlib.sha256(plain).digest()
        with self._lock:
            dq = self._seen.get(key)
            if dq is None:
                dq = self._seen[key] = collections.deque()
            else:
                self._seen.move_to_end(key)
            dq.append(compressed)
            while len(self._seen) > self.MAX_KEYS:
                self._seen.popitem(last=False)

    def take(self, raw):
        """Compressed flag (True/False) of the oldest unclaimed wire message equal to raw, or None."""
        key = hashlib.sha256(raw).digest()
        with self._lock:
            dq = self._seen.get(key)
            if not dq:
                return None
            v = dq.popleft()
            if not dq:
                del self._seen[key]
            return v


class H2MessageObserver(object):
    """Incremental parser for ONE direction of an HTTP/2 connection.

    Only frame headers and DATA payloads are interpreted (HPACK is not needed),
    gRPC messages (1 byte flags + 4 byte length + body) are reassembled per
    stream and passed to on_message(stream_id, flags, body). Bytes are never
    modified; on any parse problem the observer disables itself.
    """

    def __init__(self, on_message, expect_preface):
        self._on_message = on_message
        self._need_preface = expect_preface
        self._buf = bytearray()
        self._streams = {}
        self.broken = None

    def feed(self, data):
        if self.broken:
            return
        self._buf += data
        try:
            self._parse()
        except Exception as e:  # pylint: disable=broad-except
            self.broken = str(e) or repr(e)
            LOG.warning("wire tap disabled for connection: %s", self.broken)
            self._buf = bytearray()
            self._streams.clear()

    def _parse(self):
        buf = self._buf
        if self._need_preface:
            n = min(len(buf), len(_H2_PREFACE))
            if bytes(buf[:n]) != _H2_PREFACE[:n]:
                raise ValueError("not an HTTP/2 client preface")
            if len(buf) < len(_H2_PREFACE):
                return
            del buf[:len(_H2_PREFACE)]
            self._need_preface = False
        pos = 0
        end = len(buf)
        while end - pos >= 9:
            length = int.from_bytes(buf[pos:pos + 3], "big")
            if end - pos < 9 + length:
                break
            ftype = buf[pos + 3]
            flags = buf[pos + 4]
            sid = int.from_bytes(buf[pos + 5:pos + 9], "big") & 0x7FFFFFFF
            payload = bytes(buf[pos + 9:pos + 9 + length])
            pos += 9 + length
            if ftype == _FRAME_DATA:
                self._on_data(sid, flags, payload)
            elif ftype == _FRAME_RST_STREAM:
                self._streams.pop(sid, None)
        if pos:
            del buf[:pos]

    def _on_data(self, sid, flags, payload):
        if flags & _FLAG_PADDED:
            if not payload:
                raise ValueError("bad padded DATA frame")
            pad = payload[0]
            payload = payload[1:len(payload) - pad]
        if payload:
            sbuf = self._streams.get(sid)
            if sbuf is None:
                sbuf = self._streams[sid] = bytearray()
            sbuf += payload
            while len(sbuf) >= 5:
                mlen = int.from_bytes(sbuf[1:5], "big")
                if len(sbuf) < 5 + mlen:
                    break
                mflags = sbuf[0]
                body = bytes(sbuf[5:5 + mlen])
                del sbuf[:5 + mlen]
                self._on_message(sid, mflags, body)
        if flags & _FLAG_END_STREAM:
            self._streams.pop(sid, None)


def bind_listen_socket(host, port):
    """Bound+listening TCP socket; host '::' means dual-stack (falls back to 0.0.0.0)."""
    if host in ("::", "", "[::]"):
        try:
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", port))
            s.listen(128)
            return s
        except OSError:
            host = "0.0.0.0"
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(128)
    return s


class TapRelay(object):
    """Byte-transparent relay (asyncio, own thread) with an HTTP/2 observer.

    observe='c2s': messages client->upstream are recorded (used by the server).
    observe='s2c': messages upstream->client are recorded (used by the client).
    server_ssl:   terminate TLS from clients (ALPN h2) before relaying.
    upstream_ssl: originate TLS to the upstream (ALPN h2), hostname verified.
    """

    def __init__(self, listen_sock, upstream_host, upstream_port, tap, observe,
                 server_ssl=None, upstream_ssl=None, upstream_server_hostname=None):
        assert observe in ("c2s", "s2c")
        self._sock = listen_sock
        self._up_host = upstream_host
        self._up_port = upstream_port
        self._tap = tap
        self._observe = observe
        self._server_ssl = server_ssl
        self._upstream_ssl = upstream_ssl
        self._up_sni = upstream_server_hostname
        self._loop = None
        self._server = None
        self._thread = None
        self._ready = threading.Event()
        self._start_error = None
        self.problems = collections.deque(maxlen=50)

    @property
    def port(self):
        return self._sock.getsockname()[1]

    def start(self):
        self._thread = threading.Thread(target=self._run, name="tap-relay", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._start_error:
            raise self._start_error
        return self

    def _run(self):
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(lambda _l, ctx: LOG.debug("relay: %s", ctx.get("message")))
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, sock=self._sock, ssl=self._server_ssl))
        except Exception as e:  # pylint: disable=broad-except
            self._start_error = e
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            except Exception:  # pylint: disable=broad-except
                pass
            loop.close()

    def stop(self):
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        async def _close():
            if self._server is not None:
                self._server.close()
            for t in asyncio.all_tasks():
                if t is not asyncio.current_task():
                    t.cancel()

        try:
            asyncio.run_coroutine_threadsafe(_close(), loop).result(5)
        except Exception:  # pylint: disable=broad-except
            pass
        loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(5)

    async def _handle(self, creader, cwriter):
        if self._server_ssl is not None:
            # grpc-core servers refuse TLS connections that did not negotiate "h2".
            sslobj = cwriter.get_extra_info("ssl_object")
            alpn = sslobj.selected_alpn_protocol() if sslobj else None
            if alpn != "h2":
                self.problems.append("client TLS connection did not negotiate ALPN h2 (got %r); closed" % alpn)
                LOG.warning("relay: %s", self.problems[-1])
                cwriter.close()
                return
        try:
            ureader, uwriter = await asyncio.open_connection(
                self._up_host, self._up_port, ssl=self._upstream_ssl,
                server_hostname=(self._up_sni if self._upstream_ssl else None))
        except Exception as e:  # pylint: disable=broad-except
            self.problems.append("upstream connect to %s:%s failed: %s" % (self._up_host, self._up_port, e))
            LOG.warning("relay: %s", self.problems[-1])
            cwriter.close()
            return
        if self._upstream_ssl is not None:
            sslobj = uwriter.get_extra_info("ssl_object")
            alpn = sslobj.selected_alpn_protocol() if sslobj else None
            if alpn != "h2":
                # grpc-core clients refuse such servers as well.
                self.problems.append("upstream TLS did not negotiate ALPN h2 (got %r); closed" % alpn)
                LOG.warning("relay: %s", self.problems[-1])
                uwriter.close()
                cwriter.close()
                return
        obs_c2s = obs_s2c = None
        if self._observe == "c2s":
            obs_c2s = H2MessageObserver(self._tap.on_message, expect_preface=True)
        else:
            obs_s2c = H2MessageObserver(self._tap.on_message, expect_preface=False)
        await asyncio.gather(self._pump(creader, uwriter, obs_c2s),
                             self._pump(ureader, cwriter, obs_s2c),
                             return_exceptions=True)
        for obs in (obs_c2s, obs_s2c):
            if obs is not None and obs.broken:
                self.problems.append("observer: " + obs.broken)

    @staticmethod
    async def _pump(reader, writer, observer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if observer is not None:
                    observer.feed(data)  # record BEFORE forwarding
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError, OSError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:  # pylint: disable=broad-except
                pass


def server_ssl_context(cert_file, key_file):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    ctx.set_alpn_protocols(["h2"])
    return ctx


def client_ssl_context(ca_file=None):
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["h2"])
    return ctx


def setup_logging(verbose=False):
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s")
