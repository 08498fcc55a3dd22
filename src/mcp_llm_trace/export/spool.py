"""Bounded on-disk spool of OTLP export requests (one file per failed/diverted batch).

Each file is a plain serialized ``ExportTraceServiceRequest`` — the exact bytes an
OTLP/HTTP exporter would POST, so an operator can replay one by hand with
``curl --data-binary @file -H 'Content-Type: application/x-protobuf' …/v1/traces``.
Metadata lives in the file name (sorts oldest first)::

    <unix ns, 20 digits>-<pid>-<seq>-n<spans>-c<crc32 hex>-a<attempts>.otlp

Guarantees and limits:

* Writes are atomic (temp file + ``os.replace``; optional ``fsync`` of file and
  directory), so a crash never leaves a half file under a final name.
* The directory never exceeds ``max_bytes``: the oldest files are evicted first and
  their spans counted as ``dropped{reason="spool_full"}``.
* Several processes (gunicorn workers, a restarted process) may share a directory:
  a file is *claimed* by renaming it to ``…otlp.claimed-<pid>`` before replay, so
  exactly one process sends it; claims of dead processes are released on start-up.
* A file whose checksum or protobuf does not verify is renamed ``*.corrupt`` and its
  spans counted as ``dropped{reason="spool_corrupt"}`` — never retried in a loop.
* Delivery is at-least-once: a crash between a successful send and the ``unlink`` of
  the file replays that batch once more after restart.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from mcp_llm_trace._internal.errors import warn_once_per_interval
from mcp_llm_trace._internal.stats import STATS

logger = logging.getLogger("mcp_llm_trace.export")

__all__ = ["ClaimedBatch", "DiskSpool"]

_NAME_RE = re.compile(
    r"^(?P<ns>\d{20})-(?P<pid>\d+)-(?P<seq>\d+)-n(?P<n>\d+)-c(?P<crc>[0-9a-f]{8})-a(?P<a>\d+)\.otlp"
    r"(?:\.claimed-(?P<owner>\d+))?$"
)
_SUFFIX = ".otlp"


@dataclass(frozen=True)
class ClaimedBatch:
    """A spool file this process owns until :meth:`DiskSpool.ack` / ``nack``."""

    path: Path
    base_name: str
    payload: bytes
    span_count: int
    attempts: int


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DiskSpool:
    """One destination's spool directory. Thread-safe for one writer thread per process
    (the export thread); safe across processes through atomic renames.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_bytes: int,
        fsync: bool = False,
        max_attempts: int = 10,
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max(1, int(max_bytes))
        self.fsync = fsync
        self.max_attempts = max(1, max_attempts)
        self._seq = itertools.count()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.release_stale_claims()

    # ------------------------------------------------------------------ inspection
    def _entries(self) -> list[tuple[str, re.Match[str], int]]:
        out = []
        try:
            it = os.scandir(self.directory)
        except FileNotFoundError:
            return []
        with it:
            for e in it:
                m = _NAME_RE.match(e.name)
                if m is None:
                    continue
                try:
                    size = e.stat().st_size
                except FileNotFoundError:
                    continue
                out.append((e.name, m, size))
        out.sort(key=lambda t: t[0])
        return out

    def pending_files(self) -> list[Path]:
        """Unclaimed spool files, oldest first."""
        return [self.directory / n for n, m, _ in self._entries() if m.group("owner") is None]

    def pending_spans(self) -> int:
        """Spans waiting in unclaimed files."""
        return sum(int(m.group("n")) for _, m, _ in self._entries() if m.group("owner") is None)

    def size_bytes(self) -> int:
        """Bytes used by spool files (claimed ones included)."""
        return sum(size for _, _, size in self._entries())

    def release_stale_claims(self) -> int:
        """Give back files claimed by processes that no longer exist. Returns how many."""
        released = 0
        for name, m, _ in self._entries():
            owner = m.group("owner")
            if owner is not None and not _pid_alive(int(owner)):
                base = name.split(".claimed-")[0]
                try:
                    os.replace(self.directory / name, self.directory / base)
                    released += 1
                except FileNotFoundError:
                    pass
        return released

    # ------------------------------------------------------------------ writing
    def write(self, payload: bytes, span_count: int) -> bool:
        """Store one batch; evict the oldest files beyond the size cap.

        Returns ``False`` (spans counted as ``spool_full``) when the batch alone is
        larger than the cap. Raises ``OSError`` when the disk write fails.
        """
        if len(payload) > self.max_bytes:
            STATS.drop("spool_full", span_count)
            warn_once_per_interval(
                "spool.too_big",
                "spool %s: a batch of %d bytes exceeds the spool cap; dropped",
                self.directory,
                len(payload),
            )
            return False
        self._evict(self.max_bytes - len(payload))
        crc = zlib.crc32(payload) & 0xFFFFFFFF
        name = (
            f"{time.time_ns():020d}-{os.getpid()}-{next(self._seq):06d}"
            f"-n{span_count}-c{crc:08x}-a0{_SUFFIX}"
        )
        tmp = self.directory / f".tmp-{name}"
        with open(tmp, "wb") as fh:
            fh.write(payload)
            if self.fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, self.directory / name)
        if self.fsync:
            self._fsync_dir()
        return True

    def _evict(self, budget: int) -> None:
        entries = self._entries()
        used = sum(size for _, _, size in entries)
        for name, m, size in entries:
            if used <= budget:
                return
            if m.group("owner") is not None:
                continue  # being replayed right now
            try:
                os.unlink(self.directory / name)
            except FileNotFoundError:
                continue
            used -= size
            STATS.drop("spool_full", int(m.group("n")))
            warn_once_per_interval(
                "spool.full",
                "spool %s is full (cap %d bytes): oldest batches dropped (counted as spool_full)",
                self.directory,
                self.max_bytes,
            )

    def _fsync_dir(self) -> None:
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ replay
    def claim_oldest(self) -> ClaimedBatch | None:
        """Claim and read the oldest unclaimed file, or ``None`` when there is none.

        Corrupt files met on the way are quarantined (``*.corrupt``) and counted.
        """
        for name, m, _ in self._entries():
            if m.group("owner") is not None:
                continue
            src = self.directory / name
            claimed = self.directory / f"{name}.claimed-{os.getpid()}"
            try:
                os.rename(src, claimed)
            except FileNotFoundError:
                continue  # another process took it
            try:
                payload = claimed.read_bytes()
            except OSError:
                self._quarantine(claimed, name, int(m.group("n")), "unreadable")
                continue
            if zlib.crc32(payload) & 0xFFFFFFFF != int(m.group("crc"), 16):
                self._quarantine(claimed, name, int(m.group("n")), "checksum mismatch")
                continue
            return ClaimedBatch(claimed, name, payload, int(m.group("n")), int(m.group("a")))
        return None

    def ack(self, batch: ClaimedBatch) -> None:
        """The batch was delivered: delete it."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(batch.path)

    def nack(self, batch: ClaimedBatch, *, count_attempt: bool = True) -> None:
        """Delivery failed: release the claim (attempts + 1), or give up after
        ``max_attempts`` (counted as ``export_failed``) so one poison batch cannot
        block the spool forever. ``count_attempt=False`` (the destination was down, the
        batch is not to blame) releases the claim without counting an attempt."""
        attempts = batch.attempts + (1 if count_attempt else 0)
        if attempts >= self.max_attempts:
            STATS.drop("export_failed", batch.span_count)
            warn_once_per_interval(
                "spool.give_up",
                "spool %s: giving up on a batch after %d attempts",
                self.directory,
                attempts,
            )
            self.ack(batch)
            return
        base = re.sub(r"-a\d+\.otlp$", f"-a{attempts}{_SUFFIX}", batch.base_name)
        with contextlib.suppress(FileNotFoundError):
            os.replace(batch.path, self.directory / base)

    def quarantine(self, batch: ClaimedBatch, why: str) -> None:
        """The payload could not be decoded: keep it aside as ``*.corrupt``."""
        self._quarantine(batch.path, batch.base_name, batch.span_count, why)

    def _quarantine(self, path: Path, base_name: str, spans: int, why: str) -> None:
        with contextlib.suppress(OSError):
            os.replace(path, self.directory / f"{base_name}.corrupt")
        STATS.drop("spool_corrupt", spans)
        warn_once_per_interval(
            "spool.corrupt",
            "spool %s: quarantined a corrupt batch file (%s) as *.corrupt",
            self.directory,
            why,
        )
