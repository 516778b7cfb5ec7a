#!/usr/bin/python3
"""Generate the Python stubs of the interop clients by hand and say where they are.

Every client does this on its own at start-up (a no-op when the folder for the
current sources exists), so running it by hand is only needed to inspect the output
or to check that this machine's protoc compiles the protos.

  gen_stubs.py [--out DIR] [--common_protos DIR]

--common_protos (default $METERING_COMMON_PROTOS) is the content/protos folder of the
NuGet package Google.Api.CommonProtos; with it the metering.v1 protos are compiled too.
Prints one JSON line: {"dir": <folder to put on sys.path>, "protoc": "libprotoc X.Y.Z",
"modules": [<generated *_pb2.py, relative to dir>]}.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="root of the generated folders (default: tests/interop/python/gen)")
    ap.add_argument("--common_protos", help="google.rpc protos (default: $%s)" % common.COMMON_PROTOS_ENV)
    args = ap.parse_args()
    d = common.generate(args.out, common_protos=args.common_protos)
    with open(os.path.join(d, "PROTOC_VERSION")) as f:
        version = f.read().strip()
    modules = sorted(os.path.relpath(os.path.join(root, name), d)
                     for root, _, names in os.walk(d) for name in names if name.endswith("_pb2.py"))
    print(json.dumps({"dir": d, "protoc": version, "modules": modules}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
