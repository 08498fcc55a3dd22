"""Find, launch, wait for and stop a local Arize Phoenix server.

The server (``arize-phoenix``, Elastic-2.0, ~850 MB) lives in its own virtualenv created
by ``scripts/phoenix-venv.sh`` (``make phoenix-venv``); it is never a dependency of the
SDK. We run its ``phoenix serve`` as a child process bound to loopback, offline (no CDN
assets, no product telemetry), and poll ``/readyz``.

Example::

    from mcp_llm_trace.integrations.phoenix import local_phoenix

    with local_phoenix() as px:          # free ports, temporary working dir
        print(px.url)                    # http://127.0.0.1:<port>
        ...                              # export to px.url, read back, query GraphQL
    # the server is stopped and its temporary directory removed here
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_PHOENIX_VENV",
    "PhoenixNotInstalledError",
    "PhoenixServer",
    "PhoenixStartError",
    "find_phoenix_executable",
    "free_port",
    "is_phoenix_ready",
    "launch_phoenix",
    "local_phoenix",
    "port_is_free",
]

#: Virtualenv directory name used by ``scripts/phoenix-venv.sh`` and the Makefile.
DEFAULT_PHOENIX_VENV = ".venv-phoenix"

# Offline and quiet: no external assets in the UI, no usage telemetry to Arize.
_OFFLINE_ENV = {
    "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
    "PHOENIX_TELEMETRY_ENABLED": "false",
    "PHOENIX_LOG_MIGRATIONS": "false",
}


class PhoenixNotInstalledError(RuntimeError):
    """The Phoenix server virtualenv was not found (the message says how to create it)."""


class PhoenixStartError(RuntimeError):
    """The server exited or did not become ready in time (the message has its log tail)."""


def _repo_root() -> Path:
    # src/mcp_llm_trace/integrations/phoenix/server.py → the checkout root (editable installs).
    return Path(__file__).resolve().parents[4]


def find_phoenix_executable(venv: str | Path | None = None) -> Path:
    """The ``phoenix`` launcher of the server virtualenv.

    ``venv`` given: only that directory (relative paths: to the current directory, then
    to the repository root). Otherwise ``./.venv-phoenix``, then the repository root's.
    Raises :class:`PhoenixNotInstalledError` naming what was tried.
    """
    names = [Path(venv)] if venv else [Path(DEFAULT_PHOENIX_VENV)]
    candidates: list[Path] = []
    for name in names:
        candidates.append(name if name.is_absolute() else Path.cwd() / name)
        if not name.is_absolute():
            candidates.append(_repo_root() / name)
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    exe = "phoenix.exe" if sys.platform == "win32" else "phoenix"
    for cand in candidates:
        path = cand / bindir / exe
        if path.is_file() and os.access(path, os.X_OK):
            return path
    tried = ", ".join(str(c) for c in dict.fromkeys(candidates))
    raise PhoenixNotInstalledError(
        f"Phoenix server virtualenv not found (tried {tried}). Create it with "
        f"`make phoenix-venv` or `bash scripts/phoenix-venv.sh {names[0]}` "
        "(installs arize-phoenix into its own virtualenv, ~1 min, once)."
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on ``host:port`` and we could bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the OS considers free right now (tiny race window, fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def is_phoenix_ready(url: str, timeout_s: float = 2.0) -> bool:
    """True when ``GET {url}/readyz`` answers 200."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/readyz", timeout=timeout_s) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class PhoenixServer:
    """A Phoenix server process we started. ``url`` serves the UI, ``/v1/traces`` (OTLP/HTTP)
    and ``/graphql``; ``grpc_port`` takes OTLP/gRPC."""

    url: str
    host: str
    port: int
    grpc_port: int
    working_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    _log_file: object = field(default=None, repr=False)

    @property
    def traces_endpoint(self) -> str:
        """OTLP/HTTP traces URL."""
        return f"{self.url}/v1/traces"

    @property
    def graphql_url(self) -> str:
        """GraphQL API URL (cost summaries, model prices)."""
        return f"{self.url}/graphql"

    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server's output."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout_s: float = 120.0) -> float:
        """Poll ``/readyz`` until 200; returns the seconds waited.

        Raises :class:`PhoenixStartError` (with the log tail) if the process exits or
        the deadline passes — then the process is stopped.
        """
        start = time.monotonic()
        delay = 0.1
        while True:
            if is_phoenix_ready(self.url, timeout_s=2.0):
                return time.monotonic() - start
            if not self.running():
                raise PhoenixStartError(
                    f"Phoenix exited with code {self.process.returncode} before it was "
                    f"ready; log {self.log_path}:\n{self.log_tail()}"
                )
            if time.monotonic() - start > timeout_s:
                self.stop()
                raise PhoenixStartError(
                    f"Phoenix was not ready at {self.url}/readyz after {timeout_s:.0f} s; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM the server's process group, SIGKILL after ``timeout_s``; idempotent."""
        proc = self.process
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _signal_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
                proc.wait(timeout=10)
        close = getattr(self._log_file, "close", None)
        if callable(close):
            close()
        return proc.returncode


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The server runs in its own session (start_new_session): its group id is its pid,
    # so this reaches any worker it forked and nothing else.
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, sig)
        else:  # pragma: no cover - Windows
            proc.terminate()
    except ProcessLookupError:
        pass


def launch_phoenix(
    *,
    venv: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    grpc_port: int | None = None,
    working_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> PhoenixServer:
    """Start ``phoenix serve`` in the background (not yet ready: call ``wait_ready``).

    ``port``/``grpc_port`` default to free ports; ``working_dir`` (SQLite database,
    log file ``phoenix.log``) defaults to a new temporary directory. ``env`` adds or
    overrides server environment variables.
    """
    exe = find_phoenix_executable(venv)
    port = port or free_port(host)
    grpc_port = grpc_port or free_port(host)
    wd = Path(working_dir) if working_dir else Path(tempfile.mkdtemp(prefix="phoenix-"))
    wd.mkdir(parents=True, exist_ok=True)
    server_env = dict(os.environ)
    server_env.update(_OFFLINE_ENV)
    server_env.update(
        {
            "PHOENIX_WORKING_DIR": str(wd),
            "PHOENIX_HOST": host,
            "PHOENIX_PORT": str(port),
            "PHOENIX_GRPC_PORT": str(grpc_port),
        }
    )
    server_env.update(env or {})
    log_path = wd / "phoenix.log"
    log_file = log_path.open("ab")
    proc = subprocess.Popen(
        [str(exe), "serve"],
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=server_env,
        cwd=str(wd),
        start_new_session=True,
    )
    url_host = f"[{host}]" if ":" in host else host
    return PhoenixServer(
        url=f"http://{url_host}:{port}",
        host=host,
        port=port,
        grpc_port=grpc_port,
        working_dir=wd,
        log_path=log_path,
        process=proc,
        _log_file=log_file,
    )


@contextmanager
def local_phoenix(
    *,
    venv: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    grpc_port: int | None = None,
    working_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    ready_timeout_s: float = 180.0,
) -> Iterator[PhoenixServer]:
    """A ready Phoenix server for the ``with`` block; always stopped afterwards.

    A temporary working directory (the default) is deleted on exit; one you pass is kept.
    """
    server = launch_phoenix(
        venv=venv, host=host, port=port, grpc_port=grpc_port, working_dir=working_dir, env=env
    )
    try:
        server.wait_ready(ready_timeout_s)
        yield server
    finally:
        server.stop()
        if working_dir is None:
            shutil.rmtree(server.working_dir, ignore_errors=True)
