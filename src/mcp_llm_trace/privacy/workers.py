"""Parallel scrubbing: worker processes that scrub a batch's texts next to the export thread.

One export thread scrubs at most one core's worth of text, and in CPython it shares the
GIL with the application. With ``privacy.workers: N`` (``MCP_LLM_TRACE_PII_WORKERS``) the
export thread hands ``N/(N+1)`` of each batch's distinct, not-yet-cached texts to ``N``
worker processes and scrubs the last share itself while they run; the results go into
the scrubber's cache, and the span transform then runs exactly as without workers (every
lookup a hit). Findings are the same by construction: each worker runs the same
:class:`~mcp_llm_trace.privacy.scrubber.Scrubber` built from the same
:class:`~mcp_llm_trace.config.PrivacyConfig` (with the pseudonym key of this process).

Workers are plain ``python -c "…workers import main; main()"`` processes talking over
their stdin/stdout pipes (length-prefixed pickles); the application's ``__main__`` is
never re-imported, and a worker exits when its parent's end of the pipe closes. They are
started lazily in the background at the first batch; until one has built its engine
(1-3 s) the export thread scrubs alone. A worker that dies, hangs past its deadline or
answers garbage is killed and counted (``scrub_worker_failures``); its share is scrubbed
in the export thread, so nothing is lost and nothing leaves unscrubbed, and a new worker
is started after a back-off. Each worker holds its own Presidio engine (about 100 MB
RSS), so the default is 0: scrubbing in the export thread only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mcp_llm_trace._internal.errors import warn_once_per_interval
from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy.cache import Counts

if TYPE_CHECKING:
    from mcp_llm_trace.privacy.scrubber import Scrubber

__all__ = ["WORKER_FAILURES", "ScrubWorkers"]

logger = logging.getLogger("mcp_llm_trace.privacy")

#: Stats counter of workers that died, hung or failed (their texts scrubbed in-thread).
WORKER_FAILURES = "scrub_worker_failures"
#: Seconds before a failed worker is replaced.
RESTART_BACKOFF_S = 10.0
#: Seconds a worker may answer after its batch budget before it counts as hung.
ANSWER_SLACK_S = 5.0
#: Seconds a starting worker may take to build its engine before it counts as failed.
START_TIMEOUT_S = 120.0
#: Chunks per participant (workers + the export thread) a batch is cut into.
_CHUNKS = 4
_HEADER = struct.Struct("!I")
# Not ``-m``: the package imports this module, and runpy would run a second copy.
_ENTRY = "import sys; from mcp_llm_trace.privacy.workers import main; sys.exit(main())"
_MAX_FRAME = 1 << 30


# ---------------------------------------------------------------------- wire format


def _write_frame(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(read: Callable[[int], bytes], n: int) -> bytes:
    chunks: list[bytes] = []
    while n:
        chunk = read(n)
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_frame(read: Callable[[int], bytes]) -> Any:
    (size,) = _HEADER.unpack(_read_exact(read, _HEADER.size))
    if size > _MAX_FRAME:
        raise ValueError(f"frame of {size} bytes")
    return pickle.loads(_read_exact(read, size))


# ---------------------------------------------------------------------- parent side


class _Worker:
    """One worker process and its pipes (used by the export thread only)."""

    def __init__(self, privacy: PrivacyConfig) -> None:
        env = dict(os.environ)
        # The child imports this very package, wherever it was imported from here.
        here = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        # A worker never emits telemetry, even under `opentelemetry-instrument` (whose
        # sitecustomize would otherwise set up exporters in it too).
        env["OTEL_SDK_DISABLED"] = "true"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ENTRY],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        # Raw, deadline-bound pipe I/O (os.read / non-blocking os.write under select()):
        # no buffered bytes select() cannot see, and a stopped worker with a full pipe
        # cannot block the export thread past its deadline.
        self._rfd = self.stdout.fileno()
        self._wfd = self.stdin.fileno()
        os.set_blocking(self._wfd, False)
        self.started = time.monotonic()
        self.ready = False
        self.engine = "starting"
        try:
            self._send(("init", privacy), self.started + START_TIMEOUT_S)
        except BaseException:
            self.kill()  # not left running when the caller never gets this object
            raise

    def _send(self, obj: Any, deadline: float) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            remaining = max(0.0, deadline - time.monotonic())
            _, writable, _ = select.select([], [self._wfd], [], remaining)
            if not writable:
                raise TimeoutError("worker did not read its request before the deadline")
            try:
                view = view[os.write(self._wfd, view) :]
            except BlockingIOError:
                continue

    def _receive(self, deadline: float) -> Any:
        def read(n: int) -> bytes:
            remaining = max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([self._rfd], [], [], remaining)
            if not readable:
                raise TimeoutError("worker did not answer before the deadline")
            return os.read(self._rfd, n)

        return _read_frame(read)

    def poll_ready(self, wait_s: float = 0.0) -> bool:
        """Whether the worker has built its engine (reads its ``ready`` frame)."""
        if self.ready:
            return True
        if self.proc.poll() is not None:
            raise EOFError(f"worker exited with {self.proc.returncode} while starting")
        if time.monotonic() - self.started > START_TIMEOUT_S:
            raise TimeoutError(f"worker not ready after {START_TIMEOUT_S:.0f} s")
        readable, _, _ = select.select([self.stdout], [], [], wait_s)
        if not readable:
            return False
        frame = self._receive(time.monotonic() + ANSWER_SLACK_S)
        if not (isinstance(frame, tuple) and frame and frame[0] == "ready"):
            raise ValueError(f"unexpected first frame from worker: {frame!r:.80}")
        self.engine = str(frame[1])
        self.ready = True
        return True

    def send(self, request: int, texts: list[str], budget_s: float, deadline: float) -> None:
        """Send one chunk; raises ``TimeoutError`` if it cannot be written by ``deadline``."""
        self._send((request, texts, budget_s), deadline)

    def receive(self, request: int, n: int, deadline: float) -> list[tuple[str, Counts] | None]:
        """The answer to ``request`` (call when the pipe is readable)."""
        frame = self._receive(deadline)
        if not (isinstance(frame, tuple) and len(frame) == 2 and frame[0] == request):
            raise ValueError(f"unexpected frame from worker: {frame!r:.80}")
        results = frame[1]
        if not isinstance(results, list) or len(results) != n:
            raise ValueError("worker answered the wrong number of results")
        return results

    def kill(self) -> None:
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # kill() is not ignorable
            self.proc.wait(timeout=5)


class ScrubWorkers:
    """``n`` scrub worker processes for one :class:`ScrubTransform` (export thread only).

    Example::

        workers = ScrubWorkers(scrubber, 2)
        workers.prefetch(texts, budget_s=2.0)  # results land in scrubber's cache
        workers.close()
    """

    def __init__(self, scrubber: Scrubber, n: int) -> None:
        self.scrubber = scrubber
        self.n = n
        # The same pseudonyms in every process: workers get this process's key.
        self.privacy = replace(scrubber.privacy, pseudonym_secret=scrubber.pseudonym_key())
        self._workers: list[_Worker] = []
        self._pid = os.getpid()
        self._next_start = 0.0
        self._consecutive_failures = 0
        self._request = 0
        self._lock = threading.Lock()
        self.closed = False
        #: Texts the workers scrubbed so far (for reports and tests).
        self.scrubbed_by_workers = 0

    # ------------------------------------------------------------------ lifecycle

    def _alive(self) -> list[_Worker]:
        """Ready workers, starting missing ones when allowed (never blocks on a start)."""
        if os.getpid() != self._pid:
            # Forked child: the workers belong to the parent; start our own.
            self._workers, self._pid, self._next_start = [], os.getpid(), 0.0
        now = time.monotonic()
        if len(self._workers) < self.n and now >= self._next_start and not self.closed:
            while len(self._workers) < self.n:
                try:
                    self._workers.append(_Worker(self.privacy))
                except OSError as exc:
                    self._failed(None, exc)
                    break
        ready: list[_Worker] = []
        for worker in list(self._workers):
            try:
                if worker.poll_ready():
                    ready.append(worker)
            except Exception as exc:
                self._failed(worker, exc)
        return ready

    def _failed(self, worker: _Worker | None, exc: BaseException) -> None:
        STATS.add(WORKER_FAILURES, 1)
        warn_once_per_interval(
            "privacy.worker",
            "mcp-llm-trace privacy: scrub worker failed (%r); its texts are scrubbed in the "
            "export thread and a new worker starts in %.0f s",
            exc,
            RESTART_BACKOFF_S,
        )
        if worker is not None:
            worker.kill()
            if worker in self._workers:
                self._workers.remove(worker)
        # 10 s, doubling while failures follow each other (a broken environment), at most
        # 32× that; an answered chunk resets it.
        delay = RESTART_BACKOFF_S * 2 ** min(self._consecutive_failures, 5)
        self._consecutive_failures += 1
        self._next_start = max(self._next_start, time.monotonic() + delay)

    def ready_count(self) -> int:
        """How many workers are ready now (starting them if needed)."""
        with self._lock:
            return len(self._alive())

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> int:
        """Block until every worker is ready or ``timeout_s`` passed; the ready count."""
        end = time.monotonic() + timeout_s
        with self._lock:
            while True:
                ready = self._alive()
                if len(ready) >= self.n or time.monotonic() >= end or self.closed:
                    return len(ready)
                pending = [w for w in self._workers if not w.ready]
                for worker in pending:
                    try:
                        worker.poll_ready(0.05)
                    except Exception as exc:
                        self._failed(worker, exc)
                if not self._workers:
                    time.sleep(0.05)

    def close(self) -> None:
        """Stop every worker (their pipes close; they exit)."""
        with self._lock:
            self.closed = True
            workers, self._workers = self._workers, []
        if os.getpid() != self._pid:
            return
        for worker in workers:
            worker.kill()

    # ------------------------------------------------------------------ work

    def prefetch(self, texts: Sequence[str], budget_s: float) -> dict[str, tuple[str, Counts]]:
        """Scrub ``texts`` (distinct, not cached) across the workers and this thread.

        The texts are cut into a few contiguous chunks per participant; each worker gets
        the next chunk as soon as it answers the last, and this thread takes chunks from
        the other end in between, so a slow or descheduled process never holds the batch
        up. A failed worker's chunk goes back to the queue. Returns ``text -> (scrubbed,
        counts)`` for every text done (worker results also go into the scrubber's cache,
        for later batches); texts left when ``budget_s`` ran out are missing and the
        caller scrubs them itself. Without a ready worker, returns ``{}`` at once."""
        done: dict[str, tuple[str, Counts]] = {}
        with self._lock:
            workers = self._alive() if not self.closed else []
            expected = self.scrubber.engine_status
            for worker in [w for w in workers if w.engine != expected]:
                # E.g. Presidio missing in the worker's environment: its findings would
                # differ from this thread's, so it is not used, nor restarted (a new one
                # would start in the same environment).
                workers.remove(worker)
                self._failed(
                    worker, RuntimeError(f"worker engine {worker.engine!r}, here {expected!r}")
                )
                self._next_start = float("inf")
            if not workers or not texts:
                return done
            pending = deque(c for c in _split(list(texts), _CHUNKS * (len(workers) + 1)) if c)
            busy: dict[_Worker, tuple[int, list[str]]] = {}
            idle = list(workers)
            own_deadline = time.monotonic() + budget_s
            deadline = own_deadline + ANSWER_SLACK_S
            scrub = self.scrubber.scrub_text_counted
            put = self.scrubber.cache_result
            own = True  # this thread still takes chunks (until its budget is spent)
            while pending or busy:
                while idle and pending:
                    worker = idle.pop()
                    self._request += 1
                    chunk = pending.popleft()
                    try:
                        budget = max(0.0, own_deadline - time.monotonic())
                        worker.send(self._request, chunk, budget, deadline)
                        busy[worker] = (self._request, chunk)
                    except Exception as exc:
                        self._failed(worker, exc)
                        pending.appendleft(chunk)
                if own and pending:
                    chunk = pending.pop()
                    for i, text in enumerate(chunk):
                        try:
                            done[text] = scrub(text, own_deadline)
                        except Exception:
                            # Out of budget (or a failure): the span transform decides.
                            own = False
                            if chunk[i + 1 :]:
                                pending.append(chunk[i + 1 :])
                            break
                if not busy:
                    if not own:
                        break  # nobody left to do the rest
                    continue
                polling = own and bool(pending)  # else wait for an answer
                wait = 0.0 if polling else max(0.0, deadline - time.monotonic())
                readable, _, _ = select.select([w.stdout for w in busy], [], [], wait)
                if not readable and polling:
                    continue
                if not readable:  # deadline passed: whoever is still busy is hung
                    for worker in list(busy):
                        del busy[worker]
                        self._failed(worker, TimeoutError("no answer before the deadline"))
                    break
                for worker in [w for w in busy if w.stdout in readable]:
                    request, chunk = busy.pop(worker)
                    try:
                        results = worker.receive(request, len(chunk), deadline)
                    except Exception as exc:
                        self._failed(worker, exc)
                        pending.appendleft(chunk)
                        continue
                    idle.append(worker)
                    self._consecutive_failures = 0
                    for text, result in zip(chunk, results, strict=True):
                        if result is not None:
                            scrubbed, counts = result
                            done[text] = (scrubbed, counts)
                            put(text, scrubbed, counts)
                            self.scrubbed_by_workers += 1
        return done


def _split(items: list[str], n: int) -> list[list[str]]:
    """``items`` in ``n`` contiguous shares of near-equal total length (texts of one span
    stay together, so a worker's piece cache sees a message's copies)."""
    total = sum(len(t) for t in items) or 1
    shares: list[list[str]] = [[] for _ in range(n)]
    acc = 0
    for text in items:
        index = min(n - 1, acc * n // total)
        shares[index].append(text)
        acc += len(text)
    return shares


# ---------------------------------------------------------------------- child side


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> int:
    from mcp_llm_trace.privacy.scrubber import Scrubber

    try:
        kind, privacy = _read_frame(stdin.read)
    except EOFError:
        return 0
    if kind != "init" or not isinstance(privacy, PrivacyConfig):
        return 2
    scrubber = Scrubber(privacy)
    scrubber.warm_up()
    _write_frame(stdout, ("ready", scrubber.engine_status))
    while True:
        try:
            request, texts, budget_s = _read_frame(stdin.read)
        except EOFError:
            return 0
        deadline = time.monotonic() + float(budget_s)
        out: list[tuple[str, Counts] | None] = []
        for text in texts:
            try:
                out.append(scrubber.scrub_text_counted(text, deadline))
            except Exception:
                out.append(None)  # budget spent or a failure: the parent decides
        _write_frame(stdout, (request, out))


def main() -> int:
    """Worker entry point (see ``_ENTRY``): serve scrub requests on stdin/stdout."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol
    logging.basicConfig(level=logging.WARNING)
    try:
        return _serve(stdin, stdout)
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
