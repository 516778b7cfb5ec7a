#!/usr/bin/python3
"""Call grpc.health.v1.Health/Check once and print the resulting status name.

Usage:
  health_check.py --target HOST:PORT [--service NAME]
                  [--use_tls --ca_file F --server_host_override NAME] [--timeout_s 10]

stdout: exactly one line.
  On a response: the enum name, e.g. SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN.
  On an RPC error: "RPC_ERROR <StatusCodeName>: <details>" (e.g. RPC_ERROR NOT_FOUND: ...).
Exit status: 0 = SERVING, 1 = any other health status, 2 = the RPC failed.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402  (re-execs under /usr/bin/python3 if needed)

common.ensure_generated()

import grpc  # noqa: E402
from interop_pb import health_pb2, health_pb2_grpc  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_channel_arguments(ap)
    ap.add_argument("--service", default="", help="service name to check ('' = whole server)")
    args = ap.parse_args(argv)
    common.setup_logging()

    channel = common.channel_from_arguments(args)
    try:
        resp = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout_s)
    except grpc.RpcError as e:
        print("RPC_ERROR %s: %s" % (e.code().name, e.details()), flush=True)
        return 2
    finally:
        channel.close()
    name = health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
    print(name, flush=True)
    return 0 if resp.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
