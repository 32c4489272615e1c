"""Output folders: checked before anything runs, locked while a run uses them, and
cleared of what a dead run left.

A results folder is written under a temporary sibling name (`.<name>.tmp-<pid>-<hex>`) and
renamed into place when complete; a batch keeps its finished chunks in `<out>.partial/`.
`usable_out_dir` refuses, before any simulating, a folder that could not receive results
(a file, a non-empty folder, a mount point, an unwritable parent, a name too long).
`FolderLock` is an exclusive `flock` held for the whole run on `<out>.partial/lock`, which
names its process: a second run on the same folder is told who holds it, and a run that
takes the lock knows that every earlier run there is dead, so `remove_dead_leftovers`
may delete their temporary folders. The kernel releases the lock when its holder dies,
whatever kills it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
from pathlib import Path
from typing import IO

from simulator.lifeline import pid_alive

try:
    import fcntl
except ImportError:  # Windows: a lock file with a process id stands in
    fcntl = None  # type: ignore[assignment]

MAX_NAME_BYTES = 200  # a folder name's longest (file systems allow 255; temp names add ~30)
SAFE_NAME_CHARS = 60  # default folder names from scenario names are cut to this
LOCK_FILE = "lock"
_TMP = re.compile(r"\.tmp-(\d+)-[0-9a-f]+$")


class UnusableFolder(ValueError):
    """The output folder cannot receive results (said before anything runs)."""


class FolderInUse(RuntimeError):
    """Another live run holds the folder's lock."""

    def __init__(self, folder: Path, holder: dict) -> None:
        self.folder = folder
        self.holder = holder
        who = f"pid {holder['pid']}" if holder.get("pid") else "another process"
        if holder.get("host") and holder.get("host") != socket.gethostname():
            who += f" on {holder['host']}"
        since = f", started {holder['started']}" if holder.get("started") else ""
        super().__init__(
            f"another capsim run ({who}{since}) is using {folder}: wait for it to end, "
            "stop it, or choose another --out")


def safe_name(text: str) -> str:
    """A folder name made from free text: letters, digits and `-_.` only, no leading dot
    (so never `.` or `..`), at most `SAFE_NAME_CHARS` characters (a long name keeps its
    start and gains a short hash, so different long names stay apart)."""
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)
    name = re.sub(r"_+", "_", name).strip("._ ") or "scenario"
    if len(name) > SAFE_NAME_CHARS:
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:8]
        name = f"{name[:SAFE_NAME_CHARS - 9].rstrip('._')}-{digest}"
    return name


def usable_out_dir(out: Path | str) -> Path:
    """The folder results will be written to, checked before anything runs: a symbolic link
    is followed; a file, a non-empty folder, a mount point (a finished folder is renamed into
    place, which cannot replace a mount point), a name too long or a parent that cannot be
    created or written to is refused with `UnusableFolder`."""
    out = Path(out)
    if out.is_symlink():
        target = out.resolve()
        if not target.exists():
            raise UnusableFolder(f"--out {out}: a symbolic link to {target}, which does not exist")
        out = target
    if len(out.name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise UnusableFolder(f"--out {out.name[:40]}...: the folder name is longer than "
                             f"{MAX_NAME_BYTES} bytes")
    if out.exists():
        if not out.is_dir():
            raise UnusableFolder(f"--out {out}: exists and is not a folder")
        if any(out.iterdir()):
            raise UnusableFolder(f"--out {out}: folder exists and is not empty (results are "
                                 "never overwritten; choose a new folder or remove this one)")
        if os.path.ismount(out):
            raise UnusableFolder(
                f"--out {out}: a mount point; results are put in place by renaming a finished "
                f"folder, which cannot replace a mount point: use a folder inside it, e.g. "
                f"{out / 'run1'}")
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = parent / f".capsim-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise UnusableFolder(f"--out {out}: cannot write in {parent} "
                             f"({err.strerror or type(err).__name__})") from None
    return out


def tmp_sibling(out: Path, token: str) -> Path:
    """The temporary name a results folder is written under before it is renamed."""
    return out.parent / f".{out.name}.tmp-{os.getpid()}-{token}"


def remove_dead_leftovers(out: Path) -> list[Path]:
    """Delete the temporary results folders of `out` (`.<name>.tmp-<pid>-<hex>`) whose
    process is dead; return what was removed."""
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    prefix = f".{out.name}.tmp-"
    for entry in out.parent.iterdir():
        match = _TMP.search(entry.name)
        if not entry.name.startswith(prefix) or match is None:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


class FolderLock:
    """An exclusive lock on `<folder>/lock`, held until `release` (or the holder's death).
    The file names the holder (pid, host, start), for the message a second run gets."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise `FolderInUse` naming its holder."""
        file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        if not _try_lock(file, self.path):
            holder = _holder(self.path)
            file.close()
            raise FolderInUse(self.path.parent, holder)
        file.seek(0)
        file.truncate()
        file.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                               "started": dt.datetime.now().isoformat(timespec="seconds")}))
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            if fcntl is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def lock_holder(folder: Path) -> dict | None:
    """Who holds `<folder>/lock` now (pid, host, start), or None when nobody does."""
    path = Path(folder) / LOCK_FILE
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8") as file:
            if _try_lock(file, path):
                if fcntl is not None:
                    fcntl.flock(file.fileno(), fcntl.LOCK_UN)
                return None
    except OSError:
        return None
    return _holder(path)


def _try_lock(file: IO[str], path: Path) -> bool:
    """A non-blocking exclusive lock on the open file (where there is no `flock`: free when
    the recorded process is dead)."""
    if fcntl is None:
        pid = _holder(path).get("pid")
        return not (isinstance(pid, int) and pid != os.getpid() and pid_alive(pid))
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> dict:
    try:
        found = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
