#!/usr/bin/python3
"""(Re)generate the Python stubs used by the interop scripts.

Every script does this automatically at start-up (cheap when up to date), so
running this by hand is only needed to force regeneration or to inspect output.

  gen_stubs.py [--force] [--out DIR]

Copies tests/Metering.Tests/Protos/grpc/testing/{empty,messages,test}.proto (or
/usr/share/grpc-proto/grpc/testing/ if absent) plus grpc/health/v1/health.proto and
grpc/reflection/{v1alpha,v1}/reflection.proto from /usr/share/grpc-proto into a
staging dir as interop_pb/{empty,messages,test,health,reflection_v1alpha,reflection_v1}.proto,
rewrites 'import "grpc/testing/X.proto"' to 'import "interop_pb/X.proto"' (proto
packages are unchanged, so wire names stay /grpc.testing.TestService/...), runs
'/usr/bin/python3 -m grpc_tools.protoc' and installs the package into
tests/interop/python/gen/interop_pb (gitignored; override with $INTEROP_GEN_DIR;
falls back to $TMPDIR/interop_pb_gen_<uid> if not writable).
The package is not called 'grpc' because that would shadow grpcio.
Prints the directory to put on sys.path.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="regenerate even if up to date")
    ap.add_argument("--out", help="output directory (default: tests/interop/python/gen)")
    args = ap.parse_args()
    print(common.generate(args.out, force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
