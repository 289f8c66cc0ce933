"""Serve the dashboard in the foreground on 127.0.0.1: ``python -m dashboard [--port N]``.

``make ui`` and the background service started by ``make up`` run this.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from dashboard.app import create_app
from settings import config

HOST = "127.0.0.1"  # loopback only, never configurable: the dashboard can delete files


def serve(cfg: config.Config, port: int) -> None:
    uvicorn.run(create_app(cfg), host=HOST, port=port, log_level="warning", access_log=False, server_header=False)


def main(argv: list[str] | None = None) -> int:
    cfg = config.load()
    parser = argparse.ArgumentParser(prog="dashboard", description=__doc__)
    parser.add_argument("--port", type=int, default=cfg.ui_port, help=f"port (default UI_PORT={cfg.ui_port})")
    args = parser.parse_args(argv)
    print(f"dashboard on http://{HOST}:{args.port} (Ctrl-C stops it)", flush=True)
    serve(cfg, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
