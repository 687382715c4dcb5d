#!/usr/bin/env python3
"""The closing lines of scripts/test.sh: what every stage really ran.

    test_summary.py STAGE=JUNIT_XML[:RESULTS_DIR] ...

Each stage is ctest's JUnit file (ctest --output-junit) and, for stages with integration
tests, the directory where tests/integration/runner.py wrote one JSON file per integration
file: those ctest tests are replaced by the test cases they ran, so the counts are per test
case. Prints one line per stage, every skipped test with its reason, and

    all stages: N passed, N failed, N skipped

Exits 1 when a stage ran no test at all, when anything failed, or when anything was skipped
while KAPSEL_REQUIRE=all (CI: nothing may pass by being skipped there).
"""

import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def integration_cases(results_dir, ctest_name):
    """The cases runner.py recorded for ctest test integration.NAME, or None."""
    name = ctest_name.split(".", 1)[1]
    path = os.path.join(results_dir, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)["cases"]


def skip_reason(case):
    """GoogleTest prints "FILE:LINE: Skipped" and the reason on the next line."""
    out = case.findtext("system-out") or ""
    m = re.search(r": Skipped\s*\n(.+)", out)
    if m and m.group(1).strip():
        return m.group(1).strip()
    skipped = case.find("skipped")
    return skipped.get("message") if skipped is not None and skipped.get("message") else "no reason given"


def read_stage(junit, results_dir):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    skips, failures = [], []
    root = ET.parse(junit).getroot()
    cases = root.iter("testcase")
    seen = 0
    for case in cases:
        seen += 1
        name, status = case.get("name"), case.get("status")
        if name.startswith("integration.") and results_dir:
            recorded = integration_cases(results_dir, name)
            if recorded is not None and recorded:
                for test_id, o in recorded.items():
                    counts[o["outcome"]] += 1
                    if o["outcome"] == "skipped":
                        skips.append((test_id, o["reason"]))
                    elif o["outcome"] == "failed":
                        failures.append((test_id, o["reason"]))
                if status == "fail" and not any(o["outcome"] == "failed" for o in recorded.values()):
                    counts["failed"] += 1  # the file failed outside any case (a crash, a timeout)
                    failures.append((name, "failed outside its test cases"))
                continue
            # No per-case results: the file did not get as far as writing them.
            counts["failed" if status != "run" else "passed"] += 1
            if status != "run":
                failures.append((name, "no per-case results"))
            continue
        if status == "run":
            counts["passed"] += 1
        elif status == "fail":
            counts["failed"] += 1
            failures.append((name, "failed"))
        else:  # notrun: ctest's skip (SKIP_REGULAR_EXPRESSION, SKIP_RETURN_CODE) or disabled
            counts["skipped"] += 1
            skips.append((name, skip_reason(case)))
    return seen, counts, skips, failures


def main(args):
    if not args:
        sys.exit(__doc__)
    total = {"passed": 0, "failed": 0, "skipped": 0}
    problems = []
    all_skips = []
    for arg in args:
        stage, _, files = arg.partition("=")
        junit, _, results_dir = files.partition(":")
        if not os.path.exists(junit):
            problems.append("%s: no test results (%s)" % (stage, junit))
            continue
        seen, counts, skips, failures = read_stage(junit, results_dir or None)
        if seen == 0:
            problems.append("%s: no tests were found" % stage)
        print("%s: %d passed, %d failed, %d skipped" % (stage, counts["passed"], counts["failed"], counts["skipped"]))
        for name, reason in failures:
            print("  FAILED %s: %s" % (name, reason))
        for k in total:
            total[k] += counts[k]
        all_skips += [(stage, n, r) for n, r in skips]
    for stage, name, reason in all_skips:
        print("  SKIPPED (%s) %s: %s" % (stage, name, reason))
    print("all stages: %d passed, %d failed, %d skipped" % (total["passed"], total["failed"], total["skipped"]))
    required = os.environ.get("KAPSEL_REQUIRE", "").split()
    if all_skips and "all" in required:
        problems.append("%d test(s) skipped, and KAPSEL_REQUIRE=all says this machine must run them all"
                        % len(all_skips))
    if total["failed"]:
        problems.append("%d test(s) failed" % total["failed"])
    for p in problems:
        print("test summary: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
