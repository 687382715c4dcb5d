"""Runs integration test files as ctest does: every test case counted on its own, every skip
printed with its reason, and a results file per file for scripts/test.sh's summary line.

    python3 runner.py test_protocol [test_security ...]
    python3 runner.py test_protocol.NagleClients      (any unittest name)

Environment: KAPSEL_RESULTS_DIR (where <name>.json goes; nothing is written without it) and
KAPSEL_REQUIRE (see harness.require: with "all", or a key it lists, a missing capability is a
failure instead of a skip). Exit status 1 when any case failed.
"""

import json
import os
import sys
import time
import unittest


class CountingResult(unittest.TextTestResult):
    """Remembers one outcome per test method: failed if it or any of its subtests failed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}  # test id -> {"outcome": ..., "reason": ...}

    def _set(self, test, outcome, reason=""):
        entry = self.outcomes.setdefault(test.id(), {"outcome": "passed", "reason": ""})
        if entry["outcome"] == "failed":
            return  # a failure stays a failure
        entry["outcome"], entry["reason"] = outcome, reason

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "failed", str(err[1]).splitlines()[0] if str(err[1]) else err[0].__name__)

    def addError(self, test, err):
        super().addError(test, err)
        self._set(test, "failed", "%s: %s" % (err[0].__name__, err[1]))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "passed")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "failed", "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            # The subtest's failure belongs to the test method it is part of.
            self.outcomes[test.id()] = {"outcome": "failed", "reason": "subtest %s: %s" % (subtest._subDescription(), err[1])}


def main(names):
    started = time.monotonic()
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult, stream=sys.stdout)
    result = runner.run(suite)
    # A class-level failure (setUpClass) has no method outcome: count it as one failed case.
    for test, err in result.errors + result.failures:
        if isinstance(test, unittest.case._SubTest):
            continue  # counted with the test it belongs to
        if test.id() not in result.outcomes:
            result.outcomes[test.id()] = {"outcome": "failed", "reason": err.strip().splitlines()[-1]}
    counts = {k: sum(1 for o in result.outcomes.values() if o["outcome"] == k) for k in ("passed", "failed", "skipped")}
    for test_id, o in sorted(result.outcomes.items()):
        if o["outcome"] == "skipped":
            print("SKIPPED %s: %s" % (test_id, o["reason"]))
    print("%s: %d passed, %d failed, %d skipped (%.1f s)"
          % (" ".join(names), counts["passed"], counts["failed"], counts["skipped"], time.monotonic() - started))
    out_dir = os.environ.get("KAPSEL_RESULTS_DIR")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "_".join(names) + ".json"), "w") as f:
            json.dump({"names": names, "cases": result.outcomes}, f, indent=1, sort_keys=True)
    return 1 if counts["failed"] or not result.outcomes else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
