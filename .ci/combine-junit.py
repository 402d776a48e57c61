#!/usr/bin/env python3
"""Combine the JUnit reports of sharded `cxspec check` / `cxspec conform` runs.

Usage: combine-junit.py REPORT.xml...   (exit 0: the whole run passed; 1: it failed)

A shard runs a share of the sub-configurations (check) or cases (conform); the union of
the shards is the whole run (tests/sharding.rs). The verdict of the whole run is:
* any <failure> or <error> in any shard fails it (an `always` property violated in a
  sub-configuration, a conformance case failed);
* a `sometimes` property (classname `cxspec.sometimes`) must be found in at least one
  sub-configuration of one shard: it fails only if it is <skipped> everywhere.
"""
import sys
import xml.etree.ElementTree as ET

failures = []
sometimes = {}  # name -> found anywhere
cases = 0
for path in sys.argv[1:]:
    for case in ET.parse(path).getroot().iter("testcase"):
        cases += 1
        name = case.get("name")
        suite = case.get("classname")
        if case.find("failure") is not None or case.find("error") is not None:
            failures.append(f"{path}: {suite} {name}")
        if suite == "cxspec.sometimes":
            sometimes[name] = sometimes.get(name, False) or case.find("skipped") is None
missing = sorted(n for n, found in sometimes.items() if not found)
for f in failures:
    print(f"FAILED   {f}")
for n in missing:
    print(f"NOT FOUND in any shard: {n}")
print(f"{len(sys.argv) - 1} reports, {cases} test cases, {len(failures)} failed, "
      f"{len(missing)} situations not found")
sys.exit(1 if failures or missing else 0)
