"""Extracting a class's .zip without trusting anything in it.

Refused, each with the entry's name: an absolute path or a drive (``/x``, ``C:x``), a ``..``
component, a NUL character, a symbolic link or other special file, an encrypted
entry, an entry larger than :data:`MAX_ENTRY_BYTES` once decompressed, and a whole archive larger
than :data:`MAX_TOTAL_BYTES` — counted on the bytes actually decompressed (a header that lies
about its sizes changes nothing), never trusting the sizes in the headers. A corrupt archive
or entry (bad CRC, truncated data) is refused too. :class:`UnsafeZip` carries one line.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from autograder.grade.model import MAX_ZIP_BYTES as MAX_TOTAL_BYTES
from autograder.grade.model import MAX_ZIP_ENTRIES as MAX_ENTRIES
from autograder.grade.model import MAX_ZIP_ENTRY_BYTES as MAX_ENTRY_BYTES
_CONTROL = re.compile(r"\x00")      # other control characters: graded under a safe id (collect.py)


class UnsafeZip(ValueError):
    """The archive is refused; the message names the entry and says why."""


def _shown(name, limit=80):
    text = ascii(str(name))[1:-1]
    return text if len(text) <= limit else text[:limit] + "…"


def _target(name) -> PurePosixPath:
    norm = name.replace("\\", "/")
    if _CONTROL.search(norm):
        raise UnsafeZip(f"unsafe zip entry '{_shown(name)}': NUL in its name")
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        raise UnsafeZip(f"unsafe zip entry '{_shown(name)}': absolute path")
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeZip(f"unsafe zip entry '{_shown(name)}': '..' in its path")
    if not parts:
        raise UnsafeZip(f"unsafe zip entry '{_shown(name)}': empty path")
    return PurePosixPath(*parts)


def extract(zip_path, dest) -> Path:
    """Extract ``zip_path`` under ``dest`` (see the module doc). An entry that appears twice is
    extracted under a second name (``x.duplicate-2.ipynb``), never over the first."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeZip(f"{_shown(Path(zip_path).name)} is not a readable zip ({type(exc).__name__})") from None
    total = 0
    seen: dict[str, int] = {}
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnsafeZip(f"zip has more than {MAX_ENTRIES} entries")
        for info in infos:
            target = _target(info.filename)
            mode = info.external_attr >> 16
            if info.is_dir():
                (dest / target).mkdir(parents=True, exist_ok=True)
                continue
            if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
                kind = "symbolic link" if stat.S_ISLNK(mode) else "special file"
                raise UnsafeZip(f"unsafe zip entry '{_shown(info.filename)}': a {kind}")
            if info.flag_bits & 0x1:
                raise UnsafeZip(f"unsafe zip entry '{_shown(info.filename)}': encrypted")
            key = str(target)
            n = seen[key] = seen.get(key, 0) + 1
            if n > 1:
                target = target.with_name(f"{target.stem}.duplicate-{n}{target.suffix}")
            out = dest / target
            out.parent.mkdir(parents=True, exist_ok=True)
            size = 0
            try:
                with zf.open(info) as src, open(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                                        | os.O_NOFOLLOW, 0o644), "wb") as dst:
                    while True:
                        chunk = src.read(1 << 20)
                        if not chunk:
                            break
                        size += len(chunk)
                        total += len(chunk)
                        if size > MAX_ENTRY_BYTES:
                            raise UnsafeZip(f"unsafe zip entry '{_shown(info.filename)}': more than "
                                            f"{MAX_ENTRY_BYTES >> 20} MiB once decompressed")
                        if total > MAX_TOTAL_BYTES:
                            raise UnsafeZip(f"zip expands to more than {MAX_TOTAL_BYTES >> 20} MiB "
                                            f"(at entry '{_shown(info.filename)}')")
                        dst.write(chunk)
            except UnsafeZip:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                    NotImplementedError, RuntimeError) as exc:
                raise UnsafeZip(f"unsafe zip entry '{_shown(info.filename)}': cannot be extracted "
                                f"({type(exc).__name__}: {_shown(exc, 100)})") from None
    return dest
