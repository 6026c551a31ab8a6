"""`make dev`: moto, the write-ahead log, the FastAPI app under uvicorn and the workers, in one process.

The app is handed in by the local entry point (functions/jmap/jmap_local.py), as the Lambda entry
hands it to Mangum: the shared package never imports function code.

Everything runs in threads of this process, so Ctrl-C (or SIGTERM) leaves nothing behind: uvicorn
stops, then the workers, then moto, and the log is flushed to disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any

from mailx.local import feed_worker, outbound_worker, paths, snapshot, websocket_server, workers
from mailx.local.bootstrap import Login, configure_environment, ensure_first_account, prepare_storage
from mailx.local.motoserver import LocalMotoServer, ReplayReport, replay
from mailx.local.wal import WalCorrupt, WalWriter

logger = logging.getLogger("mailx.local")
# The background workers started with the local server (on AWS each is its own Lambda function; the
# change feed is the push function reading the accounts table's stream).
WORKERS: list[workers.WorkerFactory] = [outbound_worker.factory, feed_worker.factory]


SNAPSHOT_AFTER_WRITES = 2000  # a start that replayed this many writes snapshots at once


class StartupError(RuntimeError):
    """The runtime cannot start; the message says what to do."""


def _port(raw: str | None) -> int:
    try:
        port = int(raw or paths.DEFAULT_PORT)
    except ValueError:
        raise StartupError(f"PORT must be a number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise StartupError(f"PORT must be between 1 and 65535, got {port}")
    return port


def _check_port_free(host: str, port: int) -> None:
    """Fail before starting anything when the API port is taken (uvicorn would fail after replay)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise StartupError(
                f"port {port} on {host} is in use ({exc.strerror}); set PORT to another"
            ) from None


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """One runtime per data folder: two writers would interleave the log."""
    folder.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = open(folder / "lock", "w")  # noqa: SIM115 - held for the runtime's whole life
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StartupError(f"another local runtime is already using {folder}") from None
        yield
    finally:
        handle.close()


def _loaded(report: ReplayReport, loaded: snapshot.Loaded | None) -> str:
    replayed = f"{report.replayed} writes replayed in {report.seconds:.1f} s"
    if loaded is None:
        return replayed
    return f"snapshot loaded in {loaded.seconds:.1f} s, then {replayed}"


def _progress(done: int, total: int, writes: int, seconds: float) -> None:
    """Printed while a long write log replays, so a slow start is visibly working."""
    share = 100 * done / total if total else 100.0
    print(
        f"mailx dev: replaying the write log: {share:.0f}% ({writes:,} writes in {seconds:.0f} s)",
        file=sys.stderr,
        flush=True,
    )


def _banner(
    base: str, login: Login | None, key: str, moto: str, folder: Path, loaded: str, websocket: str
) -> str:
    if login is not None:
        who = f"{login.username} / {login.password}   (address {login.address})"
        curl = f"curl -u {login.username}:{login.password} {base}/.well-known/jmap"
    else:
        who = "(not kept in the data folder; reset it: mailx account update admin --password NEW)"
        curl = f"curl -u USER:PASSWORD {base}/.well-known/jmap"
    return "\n".join(
        [
            "",
            "mailx local runtime is ready",
            f"  URL              {base}",
            f"  Session          {base}/.well-known/jmap",
            f"  WebSocket        {websocket}   (JMAP over WebSocket, RFC 8887)",
            f"  Login            {who}",
            f"  Management key   {key}",
            f"  AWS endpoint     {moto}   (moto: DynamoDB, S3, SQS)",
            f"  Data folder      {folder}   ({loaded})",
            f"  Try              {curl}",
            "  Admin            .venv/bin/mailx account list",
            "Press Ctrl-C to stop.",
            "",
        ]
    )


def _serve(app: Any, host: str, port: int, on_ready: Callable[[], None]) -> None:
    """Run the JMAP app under uvicorn in this thread until SIGINT or SIGTERM."""
    import uvicorn

    from mailx.auth import url_tokens

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                on_ready()

    # Open event-source streams would otherwise hold Ctrl-C for up to their 15-minute lifetime.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", lifespan="off", timeout_graceful_shutdown=3
    )
    # The access log prints each request's URL: blank the URL tokens of download/event-source GETs.
    logging.getLogger("uvicorn.access").addFilter(url_tokens.RedactFilter())
    _Server(config).run()


def _websocket_port(port: int) -> int:
    """WEBSOCKET_PORT when set (0: any free port), else the port after the HTTP one."""
    raw = os.environ.get("WEBSOCKET_PORT")
    if raw is None or raw == "":
        return port + 1 if port < 65535 else 0
    try:
        chosen = int(raw)
    except ValueError:
        raise StartupError(f"WEBSOCKET_PORT must be a number, got {raw!r}") from None
    if not 0 <= chosen < 65536:  # bind() raises OverflowError, not OSError, outside this range
        raise StartupError(f"WEBSOCKET_PORT must be between 0 and 65535, got {chosen}")
    return chosen


def run(app: Any, folder: Path, host: str, port: int, websocket_app: Any = None) -> None:
    """Start everything, serve until a signal, stop everything (in reverse order) whatever happened.

    WEBSOCKET_APP, when given, is served on its own port (a free one if the preferred is taken) and the
    session advertises it.
    """
    wal = WalWriter(folder / paths.WAL_FILE)
    ws_socket = websocket_server.bind(host, _websocket_port(port)) if websocket_app is not None else None
    websocket_url = websocket_server.url_of(ws_socket) if ws_socket is not None else ""
    moto = LocalMotoServer(host)
    moto.start()
    running: list[workers.Worker] = []
    complete = False  # moto holds the whole state of the folder: only then may a snapshot be written
    try:
        size = wal.path.stat().st_size if wal.path.exists() else 0
        if size > 0:
            print("mailx dev: loading the data folder ...", file=sys.stderr, flush=True)
        loaded = snapshot.load(folder, size)
        start = loaded.wal_offset if loaded else 0
        try:
            report = replay(wal.path, *moto.get_host_and_port(), start=start, progress=_progress)
        except WalCorrupt as exc:
            raise StartupError(f"the write-ahead log is damaged ({exc}); nothing was changed") from None
        if report.failed:
            logger.warning("%d of %d logged writes failed to replay", report.failed, report.replayed)
        wal.open()
        complete = True
        if report.replayed >= SNAPSHOT_AFTER_WRITES:  # a crash before the next stop starts fast too
            snapshot.write(folder, wal.size())
        moto.start_recording(wal)
        configure_environment(folder, moto.endpoint_url, port, websocket_url)
        prepare_storage()
        login = ensure_first_account(folder)
        base = f"http://{host}:{port}"
        factories = list(WORKERS)
        if ws_socket is not None:
            factories.append(websocket_server.factory_for(websocket_app, ws_socket))
        running = workers.start_all(workers.RuntimeInfo(folder, moto.endpoint_url, base), factories)
        key = paths.read_text(folder, paths.MANAGEMENT_KEY_FILE) or ""
        shown = websocket_url or "(not served)"
        banner = _banner(base, login, key, moto.endpoint_url, folder, _loaded(report, loaded), shown)

        def ready() -> None:
            paths.write_runtime(folder, base)
            print(banner, flush=True)

        _serve(app, host, port, ready)
    finally:
        paths.clear_runtime(folder)
        workers.stop_all(running)
        if ws_socket is not None:
            ws_socket.close()
        moto.stop()
        wal.close()
        logger.info("stopped; %d writes logged this run", wal.written)
        if complete and (wal.written or loaded is None or report.replayed):
            seconds = snapshot.write(folder, wal.size())
            logger.info("snapshot written in %.1f s", seconds)


def _terminate(signum: int, frame: FrameType | None) -> Any:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C, through every finally block


def main(app: Any, websocket_app: Any = None) -> int:
    """Run the local runtime around APP (an ASGI app) until a signal; the exit status. WEBSOCKET_APP
    (an ASGI app with the RFC 8887 route) is served on its own port."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("mailx").setLevel(logging.INFO)  # botocore and pynamodb stay quiet
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    signal.signal(signal.SIGTERM, _terminate)
    folder = paths.data_dir()
    try:
        host, port = paths.LOCAL_HOST, _port(os.environ.get("PORT"))
        _check_port_free(host, port)
        with _exclusive(folder):
            run(app, folder, host, port, websocket_app)
    except StartupError as exc:
        print(f"mailx dev: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
