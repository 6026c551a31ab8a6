"""`python -m bench`: print every figure beside its target; exit 1 if a call-count target is missed."""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from bench import harness


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(s.replace("_", "")) for s in text.split(",") if s.strip())


def main(argv: list[str] | None = None) -> int:
    """Run the sections asked for, print their tables, return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=None, help="mailbox sizes, e.g. 1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5, help="cold-start runs per variant (median)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per HTTP throughput row")
    parser.add_argument(
        "--skip", default="", help="sections to skip: calls,scaling,coldstart,throughput,restart,import"
    )
    parser.add_argument("--only", default="", help="run only these sections (same names as --skip)")
    parser.add_argument("--messages", type=int, default=None, help="stored messages for the restart section")
    args = parser.parse_args(argv)
    sections = {"calls", "scaling", "coldstart", "throughput", "restart", "import"}
    skip = set(args.skip.split(",")) | (sections - set(args.only.split(",")) if args.only else set())
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    harness.add_paths()
    from bench import calls, coldstart, imports, report, restart, scaling, throughput

    began = time.perf_counter()
    missed: list[str] = []
    if "calls" not in skip:
        print("## 1. Calls and capacity per JMAP method (in-process, moto, warm)\n", flush=True)
        rows = calls.run()
        print(report.calls_table(rows) + "\n", flush=True)
        missed += report.missed(rows)
    if "scaling" not in skip:
        sizes = args.sizes or scaling.DEFAULT_SIZES
        print(f"## 2. Scaling: {', '.join(f'{s:,}' for s in sizes)} messages in one inbox\n", flush=True)
        result = scaling.run(sizes)
        print("\n" + scaling.scaling_table(result) + "\n", flush=True)
        missed += result.missed()
    if "coldstart" not in skip:
        print(f"## 3. Cold start (median of {args.runs} fresh interpreters, moto server on loopback)\n")
        variants, modules, packages = coldstart.run(args.runs)
        print(coldstart.coldstart_tables(variants, modules, packages) + "\n", flush=True)
    if "throughput" not in skip:
        print(f"## 4. Throughput (in-process; then loopback HTTP, {args.seconds:g} s per row)\n", flush=True)
        print(throughput.run(args.seconds) + "\n", flush=True)
    if "restart" not in skip:
        messages = args.messages or restart.DEFAULT_MESSAGES
        print(f"## 5. Local runtime restart with {messages:,} stored messages (`make dev`)\n", flush=True)
        table, restart_missed = restart.run(messages)
        print(table + "\n", flush=True)
        missed += restart_missed
    if "import" not in skip:
        print("## 6. Import: `mailx import` beside the service's own ingest rate (same local runtime)\n")
        print(imports.run() + "\n", flush=True)
    print(f"Finished in {time.perf_counter() - began:.0f} s.")
    if missed:
        print("Call-count targets MISSED: " + "; ".join(missed))
        return 1
    print("Every call-count target met (timings are printed, not enforced).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
