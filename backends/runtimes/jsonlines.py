"""The external backend protocol's framing, shared by the runtime adapters: one JSON request a
line on stdin, one compact JSON reply a line on stdout, carrying the request's id."""
import json
import sys


def serve(handle):
    """Answers every request with `handle(request)`, a dict of the reply's members but the id."""
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        out = handle(req)
        sys.stdout.write(json.dumps({"id": req["id"], **out}, separators=(",", ":")) + "\n")
        sys.stdout.flush()
