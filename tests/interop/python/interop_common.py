"""Shared helpers for the Python (Debian python3-grpcio) clients of the interop suite.

Contents:
  * ensure_python()    - re-exec under /usr/bin/python3 if grpcio is not importable.
  * generate() / ensure_generated()
                       - compile the protos with Debian's grpc_tools.protoc into a
                         content-addressed folder and put it on sys.path.
  * make_channel(), split_target(), add_bool_flag(), RequestPipe, setup_logging().

Generated modules:
  * interop_pb.health_pb2, interop_pb.reflection_v1_pb2, interop_pb.reflection_v1alpha_pb2
    (and their *_pb2_grpc), from /usr/share/grpc-proto;
  * metering.v1.*_pb2 and interop_pb.google.rpc.{status,error_details}_pb2, when the
    google.rpc protos are given ($METERING_COMMON_PROTOS or generate(common_protos=...)).

Proto packages are never renamed, so wire names stay /metering.v1.IngestService/...,
/grpc.health.v1.Health/Check and type.googleapis.com/google.rpc.ErrorInfo. Only file
paths move into the private package ``interop_pb``: a generated ``grpc/...`` or
``google/rpc/...`` package would collide with grpcio and with python3-protobuf's ``google``.
"""

import os
import sys

_SYSTEM_PYTHON = "/usr/bin/python3"


def ensure_python():
    """grpcio (Debian python3-grpcio) is importable only by /usr/bin/python3.

    If another interpreter (e.g. a pyenv ``python3`` on PATH) started the script,
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

import glob  # noqa: E402
import hashlib  # noqa: E402
import logging  # noqa: E402
import queue  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

import grpc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

GEN_VERSION = "2"
GEN_PACKAGE = "interop_pb"
COMMON_PROTOS_ENV = "METERING_COMMON_PROTOS"
_SYS_PROTO_ROOT = "/usr/share/grpc-proto"
_METERING_PROTOS = os.path.join(REPO_ROOT, "protos", "metering", "v1")

# proto3 `optional T name = N;` (not in a comment) -> its synthetic oneof, which is what
# protoc >= 3.15 makes of it anyway: the same wire format, compilable by older protoc.
_PROTO3_OPTIONAL = re.compile(r"^(\s*)optional\s+([A-Za-z0-9_.]+)\s+([A-Za-z0-9_]+)\s*=\s*([0-9]+)\s*;", re.M)


def _rewrite_proto(text):
    text = text.replace('import "google/rpc/', 'import "%s/google/rpc/' % GEN_PACKAGE)
    return _PROTO3_OPTIONAL.sub(r"\1oneof _\3 { \2 \3 = \4; }", text)


def protoc_version():
    """What `/usr/bin/python3 -m grpc_tools.protoc --version` prints, e.g. 'libprotoc 3.5.1'."""
    proc = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "--version"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc.stdout.decode(errors="replace").strip()


def _proto_sources(common_protos):
    """[(path inside the staging tree, source path)]"""
    std = [
        ("health.proto", ("grpc", "health", "v1", "health.proto")),
        ("reflection_v1alpha.proto", ("grpc", "reflection", "v1alpha", "reflection.proto")),
        ("reflection_v1.proto", ("grpc", "reflection", "v1", "reflection.proto")),
    ]
    srcs = []
    for target, parts in std:
        path = os.path.join(_SYS_PROTO_ROOT, *parts)
        if not os.path.isfile(path):
            raise RuntimeError("%s is missing: install Debian's grpc-proto" % path)
        srcs.append((GEN_PACKAGE + "/" + target, path))
    if common_protos:
        for name in ("status.proto", "error_details.proto"):
            path = os.path.join(common_protos, "google", "rpc", name)
            if not os.path.isfile(path):
                raise RuntimeError("%s is missing (is %s the content/protos folder of the NuGet package "
                                   "Google.Api.CommonProtos?)" % (path, common_protos))
            srcs.append((GEN_PACKAGE + "/google/rpc/" + name, path))
        metering = sorted(glob.glob(os.path.join(_METERING_PROTOS, "*.proto")))
        if not metering:
            raise RuntimeError("no .proto files in %s" % _METERING_PROTOS)
        srcs += [("metering/v1/" + os.path.basename(p), p) for p in metering]
    return srcs


def _stamp_for(sources):
    h = hashlib.sha256(GEN_VERSION.encode())
    # The compiler itself (cheaper than running `protoc --version` at every start).
    import grpc_tools  # pylint: disable=import-outside-toplevel
    for compiler in sorted(glob.glob(os.path.join(os.path.dirname(grpc_tools.__file__), "_protoc_compiler*"))):
        st = os.stat(compiler)
        h.update(("%s %d %d\0" % (compiler, st.st_size, int(st.st_mtime))).encode())
    for target, path in sources:
        h.update(target.encode() + b"\0")
        with open(path, "rb") as f:
            h.update(f.read())
        h.update(b"\0")
    return h.hexdigest()[:20]


def _generate_into(final, sources):
    parent = os.path.dirname(final)
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".stage-", dir=parent)
    try:
        src_root = os.path.join(stage, "src")
        out_root = os.path.join(stage, "out")
        os.makedirs(out_root)
        for target, path in sources:
            os.makedirs(os.path.join(src_root, os.path.dirname(target)), exist_ok=True)
            with open(path, "r", encoding="utf-8") as f:
                text = _rewrite_proto(f.read())
            with open(os.path.join(src_root, target), "w", encoding="utf-8") as f:
                f.write(text)
        cmd = [sys.executable, "-m", "grpc_tools.protoc", "-I" + src_root,
               "--python_out=" + out_root, "--grpc_python_out=" + out_root] + [t for t, _ in sources]
        proc = subprocess.run(cmd, cwd=src_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError("protoc failed (%d): %s" % (proc.returncode, proc.stderr.decode(errors="replace")))
        with open(os.path.join(out_root, GEN_PACKAGE, "__init__.py"), "w") as f:
            f.write("# generated by interop_common.generate(); do not edit\n")
        with open(os.path.join(out_root, "PROTOC_VERSION"), "w") as f:
            f.write(protoc_version() + "\n")
        try:
            os.rename(out_root, final)
        except OSError:
            # Another process generated the same folder first: its content is the same.
            if not os.path.isfile(os.path.join(final, "PROTOC_VERSION")):
                raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def generate(gen_root=None, common_protos=None):
    """Generates the stubs (once per distinct set of sources and protoc) and returns their folder.

    The folder is gen_root/<hash of protoc version and sources>: never rewritten once complete,
    so concurrent runs need no lock. gen_root defaults to $INTEROP_GEN_DIR or
    tests/interop/python/gen (gitignored), falling back to a per-user temp folder when that is
    not writable. common_protos defaults to $METERING_COMMON_PROTOS; without it only the health
    and reflection stubs are made.
    """
    common_protos = common_protos or os.environ.get(COMMON_PROTOS_ENV) or None
    sources = _proto_sources(common_protos)
    stamp = _stamp_for(sources)
    roots = [gen_root or os.environ.get("INTEROP_GEN_DIR") or os.path.join(HERE, "gen")]
    if gen_root is None:
        roots.append(os.path.join(tempfile.gettempdir(), "interop_pb_gen_%d" % os.getuid()))
    last_err = None
    for root in roots:
        final = os.path.join(root, stamp)
        try:
            if not os.path.isfile(os.path.join(final, "PROTOC_VERSION")):
                _generate_into(final, sources)
            return final
        except OSError as e:
            last_err = e
    raise RuntimeError("cannot generate stubs: %s" % last_err)


def ensure_generated(require_metering=False):
    if require_metering and not os.environ.get(COMMON_PROTOS_ENV):
        sys.stderr.write("error: set %s to the content/protos folder of the NuGet package "
                         "Google.Api.CommonProtos (after a restore: "
                         "~/.nuget/packages/google.api.commonprotos/<version>/content/protos)\n" % COMMON_PROTOS_ENV)
        sys.exit(3)
    d = generate()
    if d not in sys.path:
        sys.path.insert(0, d)
    return d


# ---------------------------------------------------------------------------
# Channels and arguments
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
    """--flag, --flag=true, --flag false are all accepted."""
    parser.add_argument(name, nargs="?", const=True, default=False, type=str2bool, help=help_text)


def add_channel_arguments(parser):
    parser.add_argument("--target", required=True, help="HOST:PORT")
    add_bool_flag(parser, "--use_tls", "connect with TLS (ALPN h2)")
    parser.add_argument("--ca_file", help="PEM root certificate(s) to trust (default: system roots)")
    parser.add_argument("--server_host_override", help="TLS name to verify / :authority host")
    parser.add_argument("--timeout_s", type=float, default=10.0, help="deadline of each RPC")


def channel_from_arguments(args):
    host, port = split_target(args.target)
    return make_channel(host, port, args.use_tls, args.ca_file, args.server_host_override)


def make_channel(host, port, use_tls=False, ca_file=None, host_override=None, options=()):
    target = "%s:%d" % (_bracket(host), int(port))
    opts = list(options)
    if use_tls:
        roots = None
        if ca_file:
            with open(ca_file, "rb") as f:
                roots = f.read()
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


def setup_logging(verbose=False):
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s")
