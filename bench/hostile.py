"""Peak memory and time of hostile requests and messages (issue 13), each in a fresh interpreter.

`python -m bench.hostile` prints, per case, the peak RSS before the measured step (moto, the account
and the input already in memory), the peak after it, the difference (what the step itself needed at
most) and its wall time. The cases are the ones docs/security.md "Resource bounds" names: reference
amplification, Email/parse of 300,000 parts and of 100,000 RFC 2231 continuations, and 40 MiB SES
deliveries with a large header block, with millions of empty parts, and with one huge parameter list.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import harness

MIB = 1024 * 1024
CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _amplification(client: Any, account_id: str) -> Callable[[], str]:
    calls: list[Any] = [["Core/echo", {"x": "A" * 1000}, "c0"]]
    for n in range(1, 32):
        ref = {"resultOf": f"c{n - 1}", "name": "Core/echo", "path": ""}
        calls.append(["Core/echo", {"#a": ref, "#b": ref}, f"c{n}"])
    body = json.dumps({"using": [CORE], "methodCalls": calls})

    def step() -> str:
        response = client.post("/jmap/api", content=body, headers=_auth())
        refused = sum(1 for r in response.json()["methodResponses"] if r[0] == "error")
        return f"{len(body):,} octets in, {len(response.content):,} out, {refused} of 32 calls refused"

    return step


def _auth() -> dict[str, str]:
    token = base64.b64encode(f"{harness.USER}:{harness.PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


def _parse(raw: bytes) -> Callable[[Any, str], Callable[[], str]]:
    def prepare(client: Any, account_id: str) -> Callable[[], str]:
        upload = client.post(f"/jmap/upload/{account_id}/", content=raw, headers=_auth())
        blob_id = upload.json()["blobId"]
        args = {"accountId": account_id, "blobIds": [blob_id], "properties": ["bodyStructure", "attachments"]}
        body = json.dumps({"using": [CORE, MAIL], "methodCalls": [["Email/parse", args, "p"]]})

        def step() -> str:
            response = client.post("/jmap/api", content=body, headers=_auth())
            name = response.json()["methodResponses"][0][0]
            return f"{len(raw):,} octets parsed, {name}, answer {len(response.content):,} octets"

        return step

    return prepare


def _ses(raw: bytes) -> Callable[[Any, str], Callable[[], str]]:
    def prepare(client: Any, account_id: str) -> Callable[[], str]:
        from mailx.store import blobs

        blobs.put("inbound/bench-hostile", raw, "message/rfc822")
        event = json.loads((harness.ROOT / "tests" / "events" / "ses_lambda_event.json").read_text())
        event["Records"][0]["ses"]["mail"]["messageId"] = "bench-hostile"
        event["Records"][0]["ses"]["receipt"]["recipients"] = ["alice@example.com"]

        def step() -> str:
            from ses_inbound_handler import handler

            class Context:
                function_name = "bench"
                memory_limit_in_mb = 1024
                invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
                aws_request_id = "bench"

            result = handler(copy.deepcopy(event), Context())
            return f"{len(raw) / MIB:.0f} MiB delivered: {result['results']}"

        return step

    return prepare


def _empty_parts(size: int) -> bytes:
    head = b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    count = (size - len(head) - 7) // 7
    return head + b"--b\r\n\r\n" * count + b"--b--\r\n"


def _continuations(count: int) -> bytes:
    pieces = "".join(f";\r\n filename*{n}*=ab%{n % 10}0" for n in range(count))
    return (
        b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Disposition: attachment" + pieces.encode() + b"\r\n\r\ndata\r\n--b--\r\n"
    )


def _addresses(size: int) -> bytes:
    one = b"R <r@many.example>,\r\n "
    head = b"From: a@b.example\r\nTo: "
    return head + one * ((size - len(head) - 20) // len(one)) + b"r@x.example\r\n\r\nhi\r\n"


def _large_headers(size: int) -> bytes:
    to = ",\r\n ".join(f"Recipient {n} <r{n}@many.example>" for n in range(6000))
    pad = b"".join(b"X-Pad-%d: " % n + b"p" * 400 + b"\r\n" for n in range(2000))
    head = (
        b"From: a@b.example\r\nTo: " + to.encode() + b"\r\n" + pad + b"Subject: big\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    line = base64.b64encode(b"\x00\xff\x10" * 19) + b"\r\n"
    return head + line * ((size - len(head)) // len(line))


CASES: dict[str, Callable[[], Callable[[Any, str], Callable[[], str]]]] = {
    "amplification (32 doubling references)": lambda: _amplification,
    "Email/parse, 300,000 empty parts": lambda: _parse(_empty_parts(2_100_000)),
    "Email/parse, 100,000 RFC 2231 continuations": lambda: _parse(_continuations(100_000)),
    "SES 40 MiB, 1.3 MB header block": lambda: _ses(_large_headers(40 * MIB)),
    "SES 40 MiB of empty parts (6 million)": lambda: _ses(_empty_parts(40 * MIB)),
    "SES 40 MiB, one 1.5 million-piece parameter list": lambda: _ses(_continuations(1_500_000)),
    "SES 40 MiB To field (1.3 million addresses)": lambda: _ses(_addresses(40 * MIB)),
}


def _measure(case: str) -> dict[str, Any]:
    """Run one case in this interpreter (which must be fresh) and return its figures."""
    from bench.api import account, app_client

    harness.add_paths()
    sys.path.insert(0, str(harness.ROOT / "functions" / "ses_inbound"))
    with harness.moto(), app_client() as client:
        account_id = account()
        step = CASES[case]()(client, account_id)
        before = _peak_mb()
        began = time.perf_counter()
        outcome = step()
        seconds = time.perf_counter() - began
        after = _peak_mb()
    return {"before": before, "after": after, "seconds": seconds, "outcome": outcome}


def run() -> str:
    """Every case in its own interpreter; a Markdown table."""
    rows = ["| Case | Peak RSS before (MB) | Peak RSS after (MB) | Step needed ≤ (MB) | Time (s) | Outcome |",
            "|---|---:|---:|---:|---:|---|"]  # fmt: skip
    for case in CASES:
        done = subprocess.run(
            [sys.executable, "-m", "bench.hostile", "--case", case],
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            rows.append(f"| {case} | | | | | failed: {done.stderr.strip().splitlines()[-1:]} |")
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(
            f"| {case} | {figures['before']:.0f} | {figures['after']:.0f} | "
            f"{figures['after'] - figures['before']:.0f} | {figures['seconds']:.2f} | {figures['outcome']} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES), help="run one case here and print its JSON")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_measure(args.case)))
        return
    print(run())


if __name__ == "__main__":
    main()
