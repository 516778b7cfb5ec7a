#!/usr/bin/python3
"""List services via gRPC server reflection and resolve each one's descriptor.

Usage:
  reflection_list.py --target HOST:PORT [--v1]
                     [--use_tls --ca_file F --server_host_override NAME] [--timeout_s 10]

Uses grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo (or
grpc.reflection.v1.* with --v1) on ONE bidi stream:
  1. list_services  -> prints every service name on stdout, one per line (server order);
  2. for each service: file_containing_symbol=<service> -> every returned
     file_descriptor_proto must parse as google.protobuf.FileDescriptorProto and
     one of them must declare that service (package + service name).
Diagnostics go to stderr ("ok <service>: <file> (<n> files)" / "FAIL <service>: ...").
Exit status: 0 = all services resolved, 1 = some lookup failed or no services,
2 = the RPC itself failed.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402  (re-execs under /usr/bin/python3 if needed)

common.ensure_generated()

import grpc  # noqa: E402
from google.protobuf import descriptor_pb2  # noqa: E402


def _declares(fdp, service):
    for svc in fdp.service:
        full = (fdp.package + "." + svc.name) if fdp.package else svc.name
        if full == service:
            return True
    return False


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_channel_arguments(ap)
    common.add_bool_flag(ap, "--v1", "use grpc.reflection.v1 instead of v1alpha")
    args = ap.parse_args(argv)
    common.setup_logging()

    if args.v1:
        from interop_pb import reflection_v1_pb2 as pb2, reflection_v1_pb2_grpc as pb2_grpc
    else:
        from interop_pb import reflection_v1alpha_pb2 as pb2, reflection_v1alpha_pb2_grpc as pb2_grpc

    host, _ = common.split_target(args.target)
    channel = common.channel_from_arguments(args)
    pipe = common.RequestPipe()
    call = pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(pipe, timeout=args.timeout_s)
    ok = True
    try:
        def ask(**kw):
            pipe.add(pb2.ServerReflectionRequest(host=host, **kw))
            resp = next(call, None)
            if resp is None:
                raise RuntimeError("stream ended without a response (status %s)" % call.code())
            return resp

        resp = ask(list_services="*")
        if resp.HasField("error_response"):
            sys.stderr.write("FAIL list_services: %d %s\n" % (resp.error_response.error_code,
                                                              resp.error_response.error_message))
            return 1
        if not resp.HasField("list_services_response"):
            sys.stderr.write("FAIL list_services: unexpected response %s\n" % resp.WhichOneof("message_response"))
            return 1
        services = [s.name for s in resp.list_services_response.service]
        for name in services:
            print(name)
        sys.stdout.flush()
        if not services:
            sys.stderr.write("FAIL: server listed no services\n")
            ok = False
        for name in services:
            resp = ask(file_containing_symbol=name)
            kind = resp.WhichOneof("message_response")
            if kind == "error_response":
                sys.stderr.write("FAIL %s: error %d %s\n" % (name, resp.error_response.error_code,
                                                             resp.error_response.error_message))
                ok = False
                continue
            if kind != "file_descriptor_response" or not resp.file_descriptor_response.file_descriptor_proto:
                sys.stderr.write("FAIL %s: no file_descriptor_response (got %s)\n" % (name, kind))
                ok = False
                continue
            files = []
            try:
                for raw in resp.file_descriptor_response.file_descriptor_proto:
                    files.append(descriptor_pb2.FileDescriptorProto.FromString(raw))
            except Exception as e:  # pylint: disable=broad-except
                sys.stderr.write("FAIL %s: FileDescriptorProto does not parse: %s\n" % (name, e))
                ok = False
                continue
            owner = [f for f in files if _declares(f, name)]
            if not owner:
                sys.stderr.write("FAIL %s: none of %s declares the service\n" % (name, [f.name for f in files]))
                ok = False
                continue
            sys.stderr.write("ok %s: %s (%d files)\n" % (name, owner[0].name, len(files)))
    except grpc.RpcError as e:
        sys.stderr.write("RPC_ERROR %s: %s\n" % (e.code().name, e.details()))
        return 2
    except RuntimeError as e:
        sys.stderr.write("RPC_ERROR %s\n" % e)
        return 2
    finally:
        pipe.close()
        call.cancel()
        channel.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
