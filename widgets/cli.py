"""``lstm-explainer classroom`` and ``lstm-explainer export-html``.

``classroom`` serves the widgets as a code-free dashboard with Voilà: Voilà runs
``widgets/classroom.ipynb`` (shipped with the package) and shows only its outputs, the
dashboard of :mod:`widgets.dashboard`. The server binds to 127.0.0.1 only, so nobody else on
the network can reach the kernel it runs; ``--lan`` serves a class on the machine's addresses,
behind a random token printed in the URL, each student's page its own kernel, at most
``--max-students`` of them; a closed page's kernel is culled (:mod:`widgets.classroom_server`). A ``--trace`` file is loaded and validated before
anything is served; Voilà runs in its own session and dies with this command (Ctrl-C, SIGTERM,
or even SIGKILL of this process: Linux's parent-death signal), so no orphan keeps serving.
Ctrl-C at any moment, even while Voilà or its kernel is still starting, stops everything with a
line or two and no traceback: Voilà and its kernels ignore SIGINT (only this command stops them).

``export-html`` writes one self-contained page of a traced sequence (:mod:`widgets.export`).
"""
from __future__ import annotations
from explainer.argtypes import COUNT, PORT, one_line_errors
from explainer.errors import InputError

import importlib.util
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import sys
import threading
from importlib.resources import files
from pathlib import Path

from explainer.glossary import LANG_CHOICES, LANGS, languages

DEFAULT_PORT = 8866  # Voilà's own default
HOST = "127.0.0.1"
LAN_HOST = "0.0.0.0"
#: A kernel whose page has been closed (no connection, no activity) is shut after this many seconds.
DEFAULT_CULL_AFTER = 60
DEFAULT_MAX_STUDENTS = 40


def notebook_path() -> Path:
    """The dashboard notebook that ships inside the package."""
    path = Path(str(files("widgets") / "classroom.ipynb"))
    if not path.is_file():
        raise FileNotFoundError(f"the dashboard notebook is missing at {path}; reinstall lstm-explainer "
                                "(it ships as package data of `widgets`)")
    return path


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """Voilà's default port if it is free, else any free port the OS hands out."""
    if port_is_free(DEFAULT_PORT, host):
        return DEFAULT_PORT
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def voila_command(port: int, notebook: Path | None = None, *, ip: str = HOST, token: str = "",
                  cull_after: int = DEFAULT_CULL_AFTER, max_students: int = DEFAULT_MAX_STUDENTS) -> list[str]:
    """The command that serves the dashboard on ``ip:port`` (with ``token`` required when given):
    the offline page template, idle kernels culled after ``cull_after`` s, at most ``max_students`` kernels."""
    from .classroom_server import voila_options

    return ([sys.executable, "-m", "voila", str(notebook or notebook_path()), f"--Voila.ip={ip}", f"--port={port}",
             "--no-browser", "--theme=light", f"--Voila.token={token}"]
            + voila_options(cull_after, max_students)
            + ["--Voila.log_level=WARN"])  # no per-load INFO lines in the lecturer's terminal


def _voila_child() -> None:
    """In the Voilà child, before it runs: how it is stopped, and by whom.

    * It ignores SIGINT. Only this command stops it (SIGTERM); and the ignored SIGINT is
      inherited by the kernels Voilà starts, so that the SIGINT Jupyter sends a kernel before
      shutting it down cannot land in a kernel that is still importing (a Ctrl-C right after a
      page opened used to print a KeyboardInterrupt traceback from the kernel's start-up). A
      started kernel installs its own SIGINT handling, so interrupting a cell still works.
    * It gets SIGTERM when this command dies, however it dies (Linux's parent-death signal).
    * The signals this command blocks while it launches the child are unblocked here.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: Ctrl-C and SIGTERM still stop Voilà
        pass


#: The signals that stop the classroom: Ctrl-C and SIGTERM.
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


#: What Voilà and each new kernel print on every page load that tells the lecturer nothing: kept in the
#: log, not shown. (A page left is shut by the culler; Voilà's own page-leave request is refused, voila#1458.)
NOISE = re.compile("|".join((
    r"is not trusted",
    r"running over TCP without encryption",
    r"websocket_ping_timeout",
    r"'_xsrf' argument missing",
    r"POST /voila/api/shutdown/",
    r"Culling '\w+' kernel",
    r"GET /voila/files/favicon\.ico",
)))


def _interrupt(signum, frame):
    """SIGTERM stops the classroom the way Ctrl-C does."""
    raise KeyboardInterrupt


def check_trace_file(path: str) -> Path:
    """Load and validate a trace before serving it; a bad file is a ``ValueError`` saying what is wrong."""
    from explainer.trace import SequenceTrace

    trace_path = Path(path).expanduser().resolve()
    if not trace_path.is_file():
        raise FileNotFoundError(f"no trace file at {trace_path} (--trace expects a .npz written by SequenceTrace.save)")
    try:
        trace = SequenceTrace.load(trace_path)
        trace.validate()
    except (ValueError, OSError) as e:
        raise InputError(f"cannot serve {trace_path.name}: {e}. Nothing was started; pass a trace written by "
                         "SequenceTrace.save (e.g. reports/bitcoin/trace_btc.npz)") from None
    return trace_path


def check_recording(path: str) -> Path:
    """Load a ``TraceRecorder`` file before serving it; a bad file is a ``ValueError``."""
    from .timelapse import load_recording

    rec = Path(path).expanduser().resolve()
    if not rec.is_file():
        raise FileNotFoundError(f"no recording at {rec} (--timelapse expects the file of a TraceRecorder callback)")
    try:
        load_recording(rec)
    except (ValueError, OSError, KeyError) as e:
        raise InputError(f"cannot serve {rec.name}: {e}. Nothing was started") from None
    return rec


def _cmd_classroom(args) -> int:
    if importlib.util.find_spec("voila") is None or importlib.util.find_spec("ipykernel") is None:
        raise InputError("the classroom needs Voilà and ipykernel; install them with: pip install 'lstm-explainer[widgets]'")
    host = LAN_HOST if args.lan else HOST
    if not 1 <= args.max_students <= 1000:
        raise InputError(f"--max-students must be between 1 and 1000, got {args.max_students}")
    if not 1 <= args.cull_after <= 86400:
        raise InputError(f"--cull-after must be between 1 and 86400 seconds, got {args.cull_after}")
    if args.port is None:
        port = free_port(host)
    else:
        port = args.port
        if not 1024 <= port <= 65535:
            raise InputError(f"--port must be between 1024 and 65535, got {port}")
        if not port_is_free(port, host):
            raise InputError(f"port {port} on {host} is already in use; pick another with --port, "
                             "or leave --port out to get a free one")
    # relative paths typed into the dashboard are read from where the classroom was started
    env = dict(os.environ, LSTM_EXPLAINER_LANG=args.lang, LSTM_EXPLAINER_CWD=os.getcwd())
    env.pop("LSTM_EXPLAINER_TRACE", None)
    env.pop("LSTM_EXPLAINER_TIMELAPSE", None)
    if args.trace in ("demo", "story"):
        env["LSTM_EXPLAINER_TRACE"] = args.trace
    elif args.trace:
        env["LSTM_EXPLAINER_TRACE"] = str(check_trace_file(args.trace))
    if args.timelapse:
        env["LSTM_EXPLAINER_TIMELAPSE"] = str(check_recording(args.timelapse))
    # Voilà finds the offline page template on JUPYTER_PATH
    from .classroom_server import jupyter_dir, lan_addresses

    env["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_dir())] + [p for p in [env.get("JUPYTER_PATH")] if p])
    token = secrets.token_urlsafe(12) if args.lan else ""
    cmd = voila_command(port, ip=host, token=token, cull_after=args.cull_after, max_students=args.max_students)
    if args.lan:
        urls = [f"http://{a}:{port}/?token={token}" for a in lan_addresses()] or [
            f"http://<this machine's address>:{port}/?token={token}"]
        where = (f"serving the class on every address of this machine, at most {args.max_students} students; "
                 "the token in the URL is the key: share it only with the class")
    else:
        urls = [f"http://{HOST}:{port}/"]
        where = f"serving on {HOST} only"
    url = urls[0]
    if args.dry_run:
        print(" ".join(cmd))
        print("\n".join(urls))
        return 0
    signal.signal(signal.SIGTERM, _interrupt)
    stopping = threading.Event()
    log = Path(tempfile.gettempdir()) / f"lstm-explainer-classroom-{port}.log"
    held: list[str] = []  # shutdown messages kept out of the terminal
    proc = forward = None
    try:
        print(f"classroom dashboard: {url}  ({where}; Ctrl+C stops it)", flush=True)
        for other in urls[1:]:
            print(f"                 or: {other}", flush=True)
        # Ctrl-C while Voilà is being launched waits until we hold the process, so we can stop it;
        # its own session keeps the terminal's Ctrl-C to us, and we stop it quietly
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            proc = subprocess.Popen(cmd, env=env, start_new_session=True, preexec_fn=_voila_child,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # a Ctrl-C meanwhile is raised here

        def _forward() -> None:
            """Voilà's output, shown while it serves and always kept in ``log``. Once we are stopping it,
            what it and its kernels print while shutting down (a kernel stopped mid-cell prints a
            traceback) only goes to the log, whose path is then shown."""
            with open(log, "w", encoding="utf-8") as kept:
                for line in proc.stdout:
                    kept.write(line)
                    kept.flush()
                    if not stopping.is_set() and not NOISE.search(line):
                        sys.stdout.write(line)
                        sys.stdout.flush()
                    elif not line.startswith("[Voila]"):
                        held.append(line)

        forward = threading.Thread(target=_forward, daemon=True)
        forward.start()
        code = proc.wait()
        forward.join(timeout=2)  # the last of its output (a kernel may keep the pipe open: do not wait long)
        return code
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the shutdown
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stopping.set()
        print("stopping the classroom …", flush=True)
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if forward is not None and forward.is_alive():  # Ctrl-C can land inside forward.start()
                forward.join(timeout=2)
        if held:
            print(f"(what Voilà printed while stopping is in {log})", flush=True)
        print("classroom stopped.", flush=True)
        return 0


def _cmd_export_html(args) -> int:
    from .export import export_html, load_source

    langs = languages(args.lang)
    trace = load_source(args.trace, langs[0], langs)
    out = export_html(trace, args.out, langs, video=args.video, max_units=args.units, live=not args.recorded,
                      source=args.trace if args.trace in ("demo", "story") else Path(args.trace).name)
    size = out.stat().st_size
    live = 'class="lstm-page lstm-live"' in out.read_text(encoding="utf-8")
    what = ("live: the page runs the model" if live else
            f"recorded: {min(trace.units, args.units)} units × {trace.time} steps")
    print(f"wrote {out} ({size / 1024:.0f} KiB, {what}, {' + '.join(langs)}); open it in a browser, "
          "no network needed")
    return 0


def add_command(sub) -> None:
    p = sub.add_parser("classroom", help="serve a code-free dashboard of the widgets (Voilà; 127.0.0.1 unless --lan)")
    p.add_argument("--port", type=PORT, default=None, help=f"port (default {DEFAULT_PORT}, or a free one)")
    p.add_argument("--lan", action="store_true",
                   help="serve the whole class: on every address of this machine, with a random token in the URL "
                        f"(default: {HOST} only, this machine alone)")
    p.add_argument("--max-students", type=COUNT, default=DEFAULT_MAX_STUDENTS,
                   help=f"at most this many pages (each its own kernel) at once; the next sees a 'classroom is full' "
                        f"page (default {DEFAULT_MAX_STUDENTS})")
    p.add_argument("--cull-after", type=COUNT, default=DEFAULT_CULL_AFTER, metavar="SECONDS",
                   help=f"shut the kernel of a closed or reloaded page after this many idle seconds "
                        f"(default {DEFAULT_CULL_AFTER})")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the dashboard")
    p.add_argument("--trace", help="demo, story, or a saved trace (.npz), e.g. the bitcoin report's, for the "
                                   "sequence explorer")
    p.add_argument("--timelapse", help="a TraceRecorder file (.npz) for the training-timelapse tab")
    p.add_argument("--dry-run", action="store_true", help="print the Voilà command and the URL; start nothing")
    p.set_defaults(func=_cmd_classroom)
    one_line_errors(p)  # a bad --port or --lang is one line naming the flag, not a usage block

    e = sub.add_parser("export-html", help="write ONE self-contained HTML page of a traced sequence (works offline)")
    e.add_argument("--trace", default="story", help="story, demo, or a saved trace (.npz) (default: story, the "
                                                   "trained model students can type into)")
    e.add_argument("--out", required=True, help="the page to write, e.g. page.html")
    e.add_argument("--lang", choices=LANG_CHOICES, default="en",
                   help="language of the page; both = a switch between English and Chinese")
    e.add_argument("--units", type=COUNT, default=8, help="show at most this many (most active) units (default 8)")
    e.add_argument("--video", help="a lesson video (.mp4) to inline in the page")
    e.add_argument("--recorded", action="store_true",
                   help="replay the recorded trace only (pictures drawn here), even where the page could run the model")
    e.set_defaults(func=_cmd_export_html)
    one_line_errors(e)
