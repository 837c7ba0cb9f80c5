"""``lstm-explainer classroom``: serve the widgets as a code-free dashboard with Voilà.

Voilà runs ``widgets/classroom.ipynb`` (shipped with the package) and shows only its
outputs: the dashboard of :mod:`widgets.dashboard`. The server binds to 127.0.0.1 only,
so nobody else on the network can reach the kernel it runs.
"""
from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

DEFAULT_PORT = 8866  # Voilà's own default
HOST = "127.0.0.1"


def notebook_path() -> Path:
    """The dashboard notebook that ships inside the package."""
    path = Path(str(files("widgets") / "classroom.ipynb"))
    if not path.is_file():
        raise FileNotFoundError(f"the dashboard notebook is missing at {path}; reinstall lstm-explainer "
                                "(it ships as package data of `widgets`)")
    return path


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """Voilà's default port if it is free, else any free port the OS hands out."""
    if port_is_free(DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def voila_command(port: int, notebook: Path | None = None) -> list[str]:
    """The command that serves the dashboard on ``127.0.0.1:port``."""
    return [sys.executable, "-m", "voila", str(notebook or notebook_path()), f"--Voila.ip={HOST}", f"--port={port}",
            "--no-browser", "--theme=light"]


def _cmd_classroom(args) -> int:
    if importlib.util.find_spec("voila") is None or importlib.util.find_spec("ipykernel") is None:
        raise ValueError("the classroom needs Voilà and ipykernel; install them with: pip install 'lstm-explainer[widgets]'")
    if args.port is None:
        port = free_port()
    else:
        port = args.port
        if not 1024 <= port <= 65535:
            raise ValueError(f"--port must be between 1024 and 65535, got {port}")
        if not port_is_free(port):
            raise ValueError(f"port {port} on {HOST} is already in use; pick another with --port, "
                             "or leave --port out to get a free one")
    env = dict(os.environ, LSTM_EXPLAINER_LANG=args.lang)
    if args.trace:
        trace = Path(args.trace).expanduser().resolve()
        if not trace.is_file():
            raise FileNotFoundError(f"no trace file at {trace} (--trace expects a .npz written by SequenceTrace.save)")
        env["LSTM_EXPLAINER_TRACE"] = str(trace)
    cmd = voila_command(port)
    url = f"http://{HOST}:{port}/"
    if args.dry_run:
        print(" ".join(cmd))
        print(url)
        return 0
    print(f"classroom dashboard: {url}  (serving on {HOST} only; Ctrl+C stops it)", flush=True)
    proc = subprocess.Popen(cmd, env=env)

    def _stop(signum, frame):  # a SIGTERM to us stops Voilà (and so its kernel) too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0


def add_command(sub) -> None:
    p = sub.add_parser("classroom", help="serve a code-free dashboard of the widgets (Voilà, 127.0.0.1 only)")
    p.add_argument("--port", type=int, default=None, help=f"port on {HOST} (default {DEFAULT_PORT}, or a free one)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the dashboard")
    p.add_argument("--trace", help="a saved trace (.npz), e.g. the bitcoin report's, for the sequence explorer")
    p.add_argument("--dry-run", action="store_true", help="print the Voilà command and the URL; start nothing")
    p.set_defaults(func=_cmd_classroom)
