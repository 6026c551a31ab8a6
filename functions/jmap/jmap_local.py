"""Local entry point (`make dev`): the same FastAPI app that jmap_handler.py serves in Lambda, run by
the local runtime (moto, the write-ahead log, uvicorn and the workers) instead of Mangum."""

from __future__ import annotations

import sys


def main() -> int:
    """Start the local runtime with the JMAP app; the exit status."""
    from jmap_api.app import app
    from jmap_api.websocket_app import websocket_app
    from mailx.local import dev

    return dev.main(app, websocket_app)


if __name__ == "__main__":
    sys.exit(main())
