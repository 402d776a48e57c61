#!/usr/bin/env python3
"""The cxspec adapter protocol (conformance/PROTOCOL.md) for the Python SLA monitor.

Reads one JSON request per line on stdin, writes one JSON reply per line on stdout.
Runs the `sla` suite under the `specified` rule set; declines every other case.
"""

import json
import os
import sys

from sla import MUTABLE, Monitor

PROTOCOL = 1

# The readings this monitor follows (spec/RULES.md, "Readings"), e.g.
# CXSPEC_PY_READINGS="R-03=agent-sla-started,R-06=own-session,R-09=up". They are declared in
# `hello` so that the runner holds the monitor to them; CXSPEC_PY_UNDECLARED=1 follows them
# without saying so (a test shows that such a run fails).
READINGS = dict(
    item.split("=", 1) for item in os.environ.get("CXSPEC_PY_READINGS", "").split(",") if "=" in item
)
DECLARED = READINGS if os.environ.get("CXSPEC_PY_UNDECLARED") != "1" else {}


def handle(request, case):
    op = request.get("op")
    if op == "hello":
        hello = {"ok": True, "name": "python SLA monitor", "protocol": PROTOCOL, "suites": ["sla"], "mutants": MUTABLE}
        if DECLARED:
            hello["readings"] = DECLARED
        return hello
    if op == "reset":
        if request["suite"] != "sla":
            return {"ok": False, "skip": "implements the sla suite only"}
        if request["rule_set"] != "specified":
            return {"ok": False, "skip": "implements the specified rule set only"}
        mutant = request.get("mutant")
        if mutant is not None and mutant not in MUTABLE:
            return {"ok": False, "error": "unknown mutant %s" % mutant}
        case["monitor"] = Monitor(request["config"], mutant, READINGS)
        return {"ok": True}
    monitor = case.get("monitor")
    if monitor is None:
        return {"ok": False, "error": "%s before reset" % op}
    events = request.get("events", [])
    if op == "apply":
        published = monitor.apply(request["at_ms"], events)
    elif op == "advance":
        published = monitor.advance(request["to_ms"], events)
    else:
        return {"ok": False, "error": "unknown op %r" % op}
    return {"ok": True, "published": published, "state": monitor.state()}


def main():
    case = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        seq = None
        try:
            request = json.loads(line)
            seq = request.get("seq")
            reply = handle(request, case)
        except Exception as e:  # a bug here is reported to the runner, not a dead pipe
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        if seq is not None:
            reply["seq"] = seq  # lets the runner match each reply to its request
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
