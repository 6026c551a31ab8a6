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

from mailx.local import outbound_worker, paths, workers
from mailx.local.bootstrap import Login, configure_environment, ensure_first_account, prepare_storage
from mailx.local.motoserver import LocalMotoServer, ReplayReport, replay
from mailx.local.wal import WalCorrupt, WalWriter

logger = logging.getLogger("mailx.local")
# The background workers started with the local server (on AWS each is its own Lambda function).
WORKERS: list[workers.WorkerFactory] = [outbound_worker.factory]


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


def _banner(base: str, login: Login | None, key: str, moto: str, folder: Path, report: ReplayReport) -> str:
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
            f"  Login            {who}",
            f"  Management key   {key}",
            f"  AWS endpoint     {moto}   (moto: DynamoDB, S3, SQS)",
            f"  Data folder      {folder}   ({report.replayed} writes replayed in {report.seconds:.1f} s)",
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


def run(app: Any, folder: Path, host: str, port: int) -> None:
    """Start everything, serve until a signal, stop everything (in reverse order) whatever happened."""
    wal = WalWriter(folder / paths.WAL_FILE)
    moto = LocalMotoServer(host)
    moto.start()
    running: list[workers.Worker] = []
    try:
        try:
            report = replay(wal.path, *moto.get_host_and_port())
        except WalCorrupt as exc:
            raise StartupError(f"the write-ahead log is damaged ({exc}); nothing was changed") from None
        if report.failed:
            logger.warning("%d of %d logged writes failed to replay", report.failed, report.replayed)
        wal.open()
        moto.start_recording(wal)
        configure_environment(folder, moto.endpoint_url, port)
        prepare_storage()
        login = ensure_first_account(folder)
        base = f"http://{host}:{port}"
        running = workers.start_all(workers.RuntimeInfo(folder, moto.endpoint_url, base), WORKERS)
        key = paths.read_text(folder, paths.MANAGEMENT_KEY_FILE) or ""
        banner = _banner(base, login, key, moto.endpoint_url, folder, report)
        _serve(app, host, port, lambda: print(banner, flush=True))
    finally:
        workers.stop_all(running)
        moto.stop()
        wal.close()
        logger.info("stopped; %d writes logged this run", wal.written)


def _terminate(signum: int, frame: FrameType | None) -> Any:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C, through every finally block


def main(app: Any) -> int:
    """Run the local runtime around APP (an ASGI app) until a signal; the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("mailx").setLevel(logging.INFO)  # botocore and pynamodb stay quiet
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    signal.signal(signal.SIGTERM, _terminate)
    folder = paths.data_dir()
    try:
        host, port = paths.LOCAL_HOST, _port(os.environ.get("PORT"))
        _check_port_free(host, port)
        with _exclusive(folder):
            run(app, folder, host, port)
    except StartupError as exc:
        print(f"mailx dev: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
