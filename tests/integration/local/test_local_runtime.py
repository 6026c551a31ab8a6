"""The local runtime as `make dev` runs it: start, log in, administer, stop cleanly, restart with the data.

The first tests check the write-ahead log in-process (what is kept, what replays byte-exact); the last
one runs `python functions/jmap/jmap_local.py` as a subprocess, twice, on one data folder.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.auth import basic
from tests.helpers.paths import REPO
from tests.helpers.ports import free_port

VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
START_TIMEOUT = 30.0
SPECIAL_KEY = "emails/A1/ü b+c%2Fd?x=1&y#z.eml"
BINARY = bytes(range(256)) * 64


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _client(service: str, endpoint: str) -> Any:
    import boto3

    make: Any = boto3.client  # the stubs' per-service overloads do not take a variable service name
    return make(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="mailx-local",
        aws_secret_access_key="mailx-local",
    )


# --- the write-ahead log, in-process ---------------------------------------------------------------


@pytest.fixture
def moto_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from mailx.local.motoserver import LocalMotoServer
    from mailx.local.wal import WalWriter

    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    server = LocalMotoServer()
    server.start()
    writer = WalWriter(tmp_path / "moto-wal.jsonl")
    writer.open()
    server.start_recording(writer)
    yield server
    server.stop()
    writer.close()


def _reset(server: Any) -> None:
    """Forget every moto backend, as a restart would."""
    request = urllib.request.Request(f"{server.endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


def test_only_successful_writes_are_logged_and_they_replay_byte_exact(moto_server: Any) -> None:
    from mailx.local.motoserver import replay

    s3 = _client("s3", moto_server.endpoint_url)
    dynamodb = _client("dynamodb", moto_server.endpoint_url)
    # Given writes (a binary object under a key full of reserved characters, a multipart upload, an item),
    s3.create_bucket(Bucket="mailx-local")
    s3.put_object(
        Bucket="mailx-local",
        Key=SPECIAL_KEY,
        Body=BINARY,
        ContentType="message/rfc822",
        Metadata={"expires-at": "42"},
    )
    upload = s3.create_multipart_upload(Bucket="mailx-local", Key="big")
    part = s3.upload_part(
        Bucket="mailx-local", Key="big", UploadId=upload["UploadId"], PartNumber=1, Body=BINARY
    )
    s3.complete_multipart_upload(
        Bucket="mailx-local",
        Key="big",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    dynamodb.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
    )
    dynamodb.put_item(TableName="t", Item={"k": {"S": "1"}, "b": {"B": b"\x00\xff"}})
    # and reads and a failed conditional write, which must not be kept
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        dynamodb.put_item(
            TableName="t", Item={"k": {"S": "1"}}, ConditionExpression="attribute_not_exists(k)"
        )
    dynamodb.get_item(TableName="t", Key={"k": {"S": "1"}})
    dynamodb.scan(TableName="t")
    s3.get_object(Bucket="mailx-local", Key=SPECIAL_KEY)
    s3.generate_presigned_url("get_object", Params={"Bucket": "mailx-local", "Key": SPECIAL_KEY})
    s3.list_objects_v2(Bucket="mailx-local")
    wal = moto_server.recording.writer.path
    logged = [json.loads(line) for line in wal.read_text().splitlines()]
    # Then the log holds exactly the eight successful writes
    kinds = [entry["headers"].get("X-Amz-Target", entry["method"]).rsplit(".", 1)[-1] for entry in logged]
    assert kinds == ["PUT", "PUT", "POST", "PUT", "POST", "CreateTable", "PutItem"]

    # When moto forgets everything and the log is replayed
    moto_server.stop_recording()
    _reset(moto_server)
    assert s3.list_buckets()["Buckets"] == []
    report = replay(wal, *moto_server.get_host_and_port())
    # Then every object and item is back, byte for byte, with its type and metadata
    assert (report.replayed, report.failed) == (7, 0)
    stored = s3.get_object(Bucket="mailx-local", Key=SPECIAL_KEY)
    assert stored["Body"].read() == BINARY
    assert (stored["ContentType"], stored["Metadata"]) == ("message/rfc822", {"expires-at": "42"})
    assert s3.get_object(Bucket="mailx-local", Key="big")["Body"].read() == BINARY
    item = dynamodb.get_item(TableName="t", Key={"k": {"S": "1"}})["Item"]
    assert item == {"k": {"S": "1"}, "b": {"B": b"\x00\xff"}}


def test_a_snapshot_plus_the_rest_of_the_log_rebuilds_the_state(moto_server: Any, tmp_path: Path) -> None:
    from mailx.local import snapshot
    from mailx.local.motoserver import replay

    s3 = _client("s3", moto_server.endpoint_url)
    dynamodb = _client("dynamodb", moto_server.endpoint_url)
    writer = moto_server.recording.writer
    _reset(moto_server)  # nothing from the tests before (moto's backends live in this process)
    # Given a table with a TTL and an index, an item and an object, then a snapshot of that
    s3.create_bucket(Bucket="mailx-local")
    s3.put_object(Bucket="mailx-local", Key=SPECIAL_KEY, Body=BINARY, ContentType="message/rfc822",
                  Metadata={"expires-at": "42"})  # fmt: skip
    attributes = [{"AttributeName": n, "AttributeType": "S"} for n in ("k", "g")]
    index = {
        "IndexName": "by-g",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    dynamodb.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=attributes,
        GlobalSecondaryIndexes=[index],
    )
    dynamodb.update_time_to_live(
        TableName="t", TimeToLiveSpecification={"Enabled": True, "AttributeName": "e"}
    )
    dynamodb.put_item(TableName="t", Item={"k": {"S": "1"}, "g": {"S": "x"}, "b": {"B": b"\x00\xff"}})
    snapshot.write(tmp_path, writer.size())
    # and more writes after it, that only the log has
    dynamodb.put_item(TableName="t", Item={"k": {"S": "2"}, "g": {"S": "x"}})
    s3.delete_object(Bucket="mailx-local", Key=SPECIAL_KEY)
    s3.put_object(Bucket="mailx-local", Key="later", Body=b"after the snapshot")
    # When moto forgets everything, loads the snapshot and replays only the rest of the log
    moto_server.stop_recording()
    _reset(moto_server)
    loaded = snapshot.load(tmp_path, writer.size())
    assert loaded is not None and 0 < loaded.wal_offset < writer.size()
    report = replay(writer.path, *moto_server.get_host_and_port(), start=loaded.wal_offset)
    # Then the state is the state before the reset: three writes replayed, nothing failed
    assert (report.replayed, report.failed) == (3, 0)
    items = dynamodb.query(TableName="t", IndexName="by-g", KeyConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"S": "x"}})["Items"]  # fmt: skip
    assert sorted(i["k"]["S"] for i in items) == ["1", "2"]
    assert dynamodb.get_item(TableName="t", Key={"k": {"S": "1"}})["Item"]["b"] == {"B": b"\x00\xff"}
    ttl = dynamodb.describe_time_to_live(TableName="t")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "e"}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="mailx-local")["Contents"]]
    assert (
        keys == ["later"]
        and s3.get_object(Bucket="mailx-local", Key="later")["Body"].read() == b"after the snapshot"
    )
    # And a snapshot from another moto version, or one covering more log than there is, is not used
    assert snapshot.load(tmp_path, loaded.wal_offset - 1) is None
    path = tmp_path / snapshot.SNAPSHOT_FILE
    state = pickle.loads(path.read_bytes())
    path.write_bytes(pickle.dumps({**state, "moto": "0.0.1"}))
    assert snapshot.load(tmp_path, writer.size()) is None
    path.write_bytes(b"not a pickle")
    assert snapshot.load(tmp_path, writer.size()) is None


def test_a_long_replay_reports_its_progress(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx.local import motoserver

    s3 = _client("s3", moto_server.endpoint_url)
    path = moto_server.recording.writer.path
    _reset(moto_server)
    s3.create_bucket(Bucket="mailx-local")
    for n in range(20):
        s3.put_object(Bucket="mailx-local", Key=f"k{n}", Body=BINARY)
    moto_server.stop_recording()
    _reset(moto_server)
    monkeypatch.setattr(motoserver, "PROGRESS_EVERY", 0.0)  # every entry, instead of every 2 s
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int, writes: int, seconds: float) -> None:
        seen.append((done, total, writes))

    report = motoserver.replay(path, *moto_server.get_host_and_port(), progress=progress)
    assert report.replayed == 21 and report.failed == 0
    # Then progress came in order, in bytes of the log, up to (not beyond) its size
    assert [w for _, _, w in seen] == list(range(len(seen))) and len(seen) >= 20
    assert all(0 < d <= t == path.stat().st_size for d, t, _ in seen)
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)


def test_sqs_queues_are_kept_but_not_their_messages(moto_server: Any) -> None:
    sqs = _client("sqs", moto_server.endpoint_url)
    queue_url = sqs.create_queue(QueueName="outbound")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="hello")
    sqs.receive_message(QueueUrl=queue_url)
    logged = moto_server.recording.writer.path.read_text().splitlines()
    assert [json.loads(line)["headers"]["X-Amz-Target"] for line in logged] == ["AmazonSQS.CreateQueue"]


def test_a_torn_last_line_is_dropped(tmp_path: Path) -> None:
    from mailx.local.wal import Entry, WalWriter, read_entries

    # Given a log whose last append was cut short by a crash
    path = tmp_path / "moto-wal.jsonl"
    whole = Entry("PUT", "/b/k", {"A": "1"}, b"\x00data")
    path.write_text(whole.to_json() + "\n" + whole.to_json()[:20])
    assert list(read_entries(path)) == [whole]
    # When the writer reopens it, Then the torn part is cut and new entries start on their own line
    writer = WalWriter(path)
    writer.open()
    writer.append(Entry("DELETE", "/b/k", {}, b""))
    writer.close()
    assert [e.method for e in read_entries(path)] == ["PUT", "DELETE"]


def test_a_damaged_line_in_the_middle_stops_the_replay(tmp_path: Path) -> None:
    from mailx.local.wal import Entry, WalCorrupt, read_entries

    path = tmp_path / "moto-wal.jsonl"
    whole = Entry("PUT", "/b/k", {}, b"x").to_json()
    path.write_text(f"{whole}\n{{not json\n{whole}\n")
    with pytest.raises(WalCorrupt, match="line 2"):
        list(read_entries(path))


# --- the whole runtime, as a subprocess ------------------------------------------------------------


@dataclass
class Runtime:
    """A running `python functions/jmap/jmap_local.py` and what its banner said."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str]
    base: str
    username: str
    password: str
    management_key: str
    moto: str
    replayed: int
    snapshot: bool


def _env(folder: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAILX_"))}
    env.update({"PORT": str(port), "MAILX_DATA_DIR": str(folder), "PYTHONUNBUFFERED": "1"})
    for key in ("TOKEN_SECRET", "MANAGEMENT_KEY", "PUBLIC_BASE_URL", "DOMAIN", "TABLE_PREFIX", "BUCKET_NAME"):
        env.pop(key, None)
    return env


def _banner_value(text: str, label: str) -> str:
    found = re.search(rf"^\s*{label}\s+(\S+)", text, re.MULTILINE)
    assert found, f"no {label!r} in the banner:\n{text}"
    return found.group(1)


def _start(folder: Path, port: int) -> Runtime:
    process = subprocess.Popen(
        [PYTHON, "functions/jmap/jmap_local.py"],
        cwd=REPO,
        env=_env(folder, port),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while not any("Press Ctrl-C to stop." in line for line in seen):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the local runtime did not become ready:\n" + "".join(seen))
        try:
            seen.append(lines.get(timeout=0.2))
        except queue.Empty:
            continue
    text = "".join(seen)
    login = re.search(r"Login\s+(\S+) / (\S+)", text)
    assert login, text
    replayed = re.search(r"(\d+) writes replayed", text)
    assert replayed, text
    return Runtime(
        process,
        lines,
        _banner_value(text, "URL"),
        login.group(1),
        login.group(2),
        _banner_value(text, "Management key"),
        _banner_value(text, "AWS endpoint"),
        int(replayed.group(1)),
        "snapshot loaded" in text,
    )


def _stop(runtime: Runtime) -> int:
    runtime.process.send_signal(signal.SIGINT)
    return runtime.process.wait(timeout=15)


def _group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _mailx(port: int | None, folder: Path, *argv: str, env_port: int = 0) -> subprocess.CompletedProcess[str]:
    """The installed console script (what people type), else the same entry point through -m; without
    a PORT, no --url: the command finds the runtime itself."""
    command = [str(VENV_BIN / "mailx")] if (VENV_BIN / "mailx").exists() else [PYTHON, "-m", "mailx.cli"]
    url = [] if port is None else ["--url", f"http://127.0.0.1:{port}"]
    return subprocess.run(
        [*command, *url, *argv],
        env=_env(folder, port or env_port),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def runtimes() -> Iterator[list[Runtime]]:
    """Started runtimes, killed (by pid) if a test fails before stopping them."""
    started: list[Runtime] = []
    yield started
    for runtime in started:
        if runtime.process.poll() is None:
            runtime.process.kill()
            runtime.process.wait(timeout=10)


@pytest.mark.e2e
def test_make_dev_serves_logs_in_stops_cleanly_and_keeps_data(
    tmp_path: Path, runtimes: list[Runtime]
) -> None:
    folder, port = tmp_path / "dev-data", free_port()
    # Given a fresh data folder, When the runtime starts as `make dev` starts it
    first = _start(folder, port)
    runtimes.append(first)
    assert first.base == f"http://127.0.0.1:{port}" and first.replayed == 0
    assert first.management_key == (folder / "management-key").read_text().strip()
    # Then the printed login opens a complete session
    session = httpx.get(f"{first.base}/.well-known/jmap", headers=basic(first.username, first.password))
    assert session.status_code == 200
    body = session.json()
    assert body["username"] == "admin" and body["apiUrl"] == f"{first.base}/jmap/api"
    assert len(body["accounts"]) == 1 and set(body["primaryAccounts"].values()) <= set(body["accounts"])

    # When an account is created with the mailx command (key read from the data folder)
    created = _mailx(
        port,
        folder,
        "account",
        "create",
        "dora",
        "--password",
        "dora's password",
        "--address",
        "dora@localhost.test",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["username"] == "dora"
    # Then dora can log in for a Bearer token and use it
    token = httpx.post(
        f"{first.base}/v0/auth/login", json={"username": "dora", "password": "dora's password"}
    )
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    assert httpx.get(f"{first.base}/.well-known/jmap", headers=bearer).json()["username"] == "dora"
    # And an object written straight to the runtime's S3 is kept too
    _client("s3", first.moto).put_object(Bucket="mailx-local", Key=SPECIAL_KEY, Body=BINARY)
    moto_port = int(first.moto.rsplit(":", 1)[1])

    # When it gets SIGINT, Then it exits 0 and leaves no process and no open port behind
    assert _stop(first) == 0
    assert _group_is_gone(first.process.pid)
    assert _port_is_free(port) and _port_is_free(moto_port)

    # When it starts again on the same data folder
    second = _start(folder, port)
    runtimes.append(second)
    # Then the same login and key are printed, and dora, her token and the object survived
    assert (second.password, second.management_key) == (first.password, first.management_key)
    # (loaded from the snapshot written at the stop, with nothing left to replay)
    assert second.snapshot and second.replayed == 0
    assert (folder / "moto-snapshot.pickle").exists()
    # And the mailx command finds the runtime by itself, on this port (not 8000)
    listed = _mailx(None, folder, "account", "list", "--json", env_port=port)
    assert listed.returncode == 0, listed.stderr
    assert {a["username"] for a in json.loads(listed.stdout)["accounts"]} == {"admin", "dora"}
    by_address = basic("dora@localhost.test", "dora's password")
    assert httpx.get(f"{second.base}/.well-known/jmap", headers=by_address).status_code == 200
    assert httpx.get(f"{second.base}/v0/auth/me", headers=bearer).status_code == 200
    stored = _client("s3", second.moto).get_object(Bucket="mailx-local", Key=SPECIAL_KEY)
    assert stored["Body"].read() == BINARY

    # And `mailx doctor` finds it healthy, saying what a local runtime cannot have rather than failing
    doctor = _mailx(port, folder, "doctor", "--json")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = {c["check"]: c["status"] for c in json.loads(doctor.stdout)["checks"]}
    assert report["JMAP session"] == report["JMAP API"] == report["Management API"] == "ok"
    assert report["Domains"] == "ok"
    local = {"Sending", "SES receipt rule set", "Alarms", "DNS (MX, SPF, DKIM, DMARC)"}
    assert {name for name, status in report.items() if status == "local"} == local

    # When it gets SIGTERM instead, Then it stops just as cleanly, and says it no longer runs
    second.process.send_signal(signal.SIGTERM)
    assert second.process.wait(timeout=15) == 0
    assert _group_is_gone(second.process.pid) and _port_is_free(port)
    assert not (folder / "runtime.json").exists()

    # When the snapshot is lost (or made by another moto), Then the whole log rebuilds the same state
    (folder / "moto-snapshot.pickle").unlink()
    third = _start(folder, port)
    runtimes.append(third)
    assert not third.snapshot and third.replayed > 0
    listed = _mailx(port, folder, "account", "list", "--json")
    assert {a["username"] for a in json.loads(listed.stdout)["accounts"]} == {"admin", "dora"}
    stored = _client("s3", third.moto).get_object(Bucket="mailx-local", Key=SPECIAL_KEY)
    assert stored["Body"].read() == BINARY
    assert _stop(third) == 0


@pytest.mark.e2e
@pytest.mark.parametrize("value", ["70000", "-1", "ws"])
def test_a_bad_websocket_port_is_a_startup_error(tmp_path: Path, value: str) -> None:
    env = {**_env(tmp_path, free_port()), "WEBSOCKET_PORT": value}
    result = subprocess.run(
        [PYTHON, "functions/jmap/jmap_local.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "mailx dev: WEBSOCKET_PORT must be" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.e2e
def test_a_taken_port_is_reported_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [PYTHON, "functions/jmap/jmap_local.py"],
            cwd=REPO,
            env=_env(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "in use" in result.stderr
    assert not (tmp_path / "moto-wal.jsonl").exists()
