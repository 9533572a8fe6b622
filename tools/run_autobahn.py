"""Run the Autobahn|Testsuite against wslab and print one line per outcome.

The suite is not part of wslab. Chapter 6 says how to install it: a checkout of
its Python 3 port (github.com/ricardo-valero/autobahn-testsuite) and a venv
holding its dependencies. Run this file with that venv's python:

    python tools/run_autobahn.py server URL OUTDIR
        the suite's fuzzing client tests the server at URL (chapter 6)
    python tools/run_autobahn.py client OUTDIR -- COMMAND...
        the suite's fuzzing server tests a client (chapter 11); COMMAND is run
        with two more arguments, the fuzzing server's URL and an agent name

AUTOBAHN_SRC names the checkout (default ~/.cache/autobahn-py3/src).
AUTOBAHN_CASES and AUTOBAHN_EXCLUDE are comma-separated case patterns, by
default every case but sections 12 and 13 (compression, which wslab does not
negotiate). The report is OUTDIR/reports/index.html, the suite's own log
OUTDIR/wstest.log. Exit status 0 when every case passed.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter

PASSING = ("OK", "NON-STRICT", "INFORMATIONAL")
SUITE = os.environ.get(
    "AUTOBAHN_SRC", os.path.expanduser("~/.cache/autobahn-py3/src")
)


def patterns(name, default):
    value = os.environ.get(name)
    return value.split(",") if value else default


def write_spec(outdir, spec):
    spec["outdir"] = os.path.join(outdir, "reports")
    spec["cases"] = patterns("AUTOBAHN_CASES", ["*"])
    spec["exclude-cases"] = patterns("AUTOBAHN_EXCLUDE", ["12.*", "13.*"])
    spec["exclude-agent-cases"] = {}
    with open(os.path.join(outdir, "spec.json"), "w") as f:
        json.dump(spec, f, indent=2)


def start_wstest(mode, outdir):
    """wstest in a process of its own (the fuzzing server never stops by
    itself), with its output in OUTDIR/wstest.log."""
    package = os.path.join(SUITE, "autobahntestsuite")
    if not os.path.isdir(os.path.join(package, "autobahntestsuite")):
        sys.exit(f"no Autobahn|Testsuite checkout at {SUITE}: see chapter 6")
    log = open(os.path.join(outdir, "wstest.log"), "w")
    child = [sys.executable, os.path.abspath(__file__), "wstest", mode]
    env = dict(os.environ, PYTHONPATH=package)
    return subprocess.Popen(child, cwd=outdir, env=env, stdout=log, stderr=log)


def wstest(mode):
    """Runs inside the child. The port's report writer passes case records
    that hold raw bytes (a frame the server sent) to json.dumps, which then
    raises, and the run never finishes. Such bytes are written as text."""

    class BytesAsText(json.JSONEncoder):
        def default(self, o):
            if isinstance(o, (bytes, bytearray)):
                return o.decode("latin-1")
            return super().default(o)

    plain_dumps = json.dumps
    json.dumps = lambda obj, **kw: plain_dumps(obj, cls=BytesAsText, **kw)

    from autobahntestsuite import wstest as suite

    sys.argv = ["wstest", "--mode", mode, "--spec", "spec.json"]
    suite.run()


def summary(outdir, started):
    index = os.path.join(outdir, "reports", "index.json")
    if not os.path.exists(index):
        sys.exit(f"the suite wrote no report; see {os.path.relpath(outdir)}/wstest.log")
    with open(index) as f:
        (cases,) = json.load(f).values()
    order = lambda case: [int(n) for n in case.split(".")]
    failed = sorted(
        (c for c, r in cases.items() if r["behavior"] not in PASSING), key=order
    )
    counts = Counter(r["behavior"] for r in cases.values())
    outcomes = ", ".join(f"{n} {b}" for b, n in sorted(counts.items()))
    print(f"{len(cases)} cases in {time.time() - started:.0f} s: {outcomes}")
    for case in failed:
        print(f"  {case}: {cases[case]['behavior']}")
    print(f"report: {os.path.relpath(outdir)}/reports/index.html")
    return 1 if failed else 0


def test_server(url, outdir):
    write_spec(outdir, {"servers": [{"agent": "wslab", "url": url}]})
    started = time.time()
    suite = start_wstest("fuzzingclient", outdir)
    suite.wait()
    return summary(outdir, started)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_client(outdir, command):
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    write_spec(outdir, {"url": url, "options": {"failByDrop": False}})
    started = time.time()
    suite = start_wstest("fuzzingserver", outdir)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"the fuzzing server did not start; see {outdir}/wstest.log")
        with open(os.path.join(outdir, "client.log"), "w") as log:
            status = subprocess.run(
                command + [url, "wslab"], stdout=log, stderr=subprocess.STDOUT
            ).returncode
        if status != 0:
            print(f"the client exited with status {status}; see {outdir}/client.log")
    finally:
        # The client's last request, /updateReports, makes the suite write
        # index.json and stop; give it a moment, then make sure it is gone.
        try:
            suite.wait(10)
        except subprocess.TimeoutExpired:
            suite.terminate()
            suite.wait()
    return summary(outdir, started)


def main(args):
    if args[:1] == ["wstest"] and len(args) == 2:
        return wstest(args[1])
    if args[:1] == ["server"] and len(args) == 3:
        outdir = os.path.abspath(args[2])
        os.makedirs(outdir, exist_ok=True)
        return test_server(args[1], outdir)
    if args[:1] == ["client"] and len(args) > 3 and args[2] == "--":
        outdir = os.path.abspath(args[1])
        os.makedirs(outdir, exist_ok=True)
        return test_client(outdir, args[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
