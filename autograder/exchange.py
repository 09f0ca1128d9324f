"""The course's ``nbgrader collect``: nbgrader's local exchange, failing closed per entry.

nbgrader's exchange inbound folder (``<exchange>/<course>/inbound``) is writable by every
student. nbgrader's own collect follows links (a link to ``solutions/`` became a submission, then
feedback the student could read), only warns when an entry's owner is not the student it names
(a forged ``alice+<assignment>+<later time>`` replaced Alice's work), and aborts on the first
FIFO or dangling link. :class:`SafeExchangeCollect` (configured in
``autograder/nbgrader_config.py`` as ``ExchangeFactory.collect``, so ``nbgrader collect`` and
formgrader's Collect button both use it) checks every entry on its own:

* its name is ``<student>+<assignment>+<timestamp>[+<random>]`` with a readable timestamp;
* the entry is a real folder (not a link) owned by the OS user named ``<student>``, and every file
  in it is a regular file (no link, FIFO, device, socket, hard link), owned by that user, within
  the byte limits (``autograder/safeio.py``), read without following links;
* a bad entry is skipped with its reason (logged as an error and listed in
  ``submitted/collect-skipped.txt``); the student's latest good entry is collected; everyone
  else is collected as usual. The exit status is 1 when an entry was skipped (needs a look).
"""
from __future__ import annotations

import os
import pwd
import re
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.utils import parse_utc

from autograder import safeio

SKIPPED_FILE = "collect-skipped.txt"
ENTRY = re.compile(r"^(?P<student>[A-Za-z0-9][A-Za-z0-9._@-]{0,127})\+(?P<assignment>[^+/]+)\+(?P<ts>[^+/]+)(?:\+[^/]*)?$")


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's ``ExchangeCollect`` with per-entry checks (see the module doc)."""

    def _check_entry(self, name):
        """(record, None) for a good entry, or (None, reason)."""
        m = ENTRY.match(name)
        if not m or m.group("assignment") != self.coursedir.assignment_id:
            return None, "the name is not <student>+<assignment>+<time>"
        student = m.group("student")
        try:
            timestamp = parse_utc(m.group("ts"))
        except Exception:
            return None, "the time in its name cannot be read"
        try:
            uid = pwd.getpwnam(student).pw_uid
        except KeyError:
            return None, f"no OS user named {student!r}"
        path = os.path.join(self.inbound_path, name)
        st = os.lstat(path)
        if not os.path.isdir(path) or os.path.islink(path):
            return None, "not a plain folder (a link or a file)"
        if st.st_uid != uid:
            try:
                who = pwd.getpwuid(st.st_uid).pw_name
            except KeyError:
                who = f"uid {st.st_uid}"
            return None, f"claims to be {student}'s but belongs to {who}"
        try:
            files = safeio.read_tree(path, owner=uid)
        except safeio.Unsafe as exc:
            return None, str(exc)
        except OSError as exc:
            return None, f"cannot be read ({exc.strerror})"
        return {"username": student, "filename": name, "timestamp": timestamp, "files": files}, None

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail("Course not found: {}".format(self.inbound_path))
        wanted = self.coursedir.student_id if self.coursedir.student_id not in ("", "*") else None
        self.skipped: list[tuple[str, str]] = []
        records = []
        for name in sorted(os.listdir(self.inbound_path)):
            if f"+{self.coursedir.assignment_id}+" not in name:
                continue
            if wanted and not name.startswith(f"{wanted}+"):
                continue
            try:
                rec, reason = self._check_entry(name)
            except OSError as exc:
                rec, reason = None, f"cannot be checked ({exc.strerror})"
            if rec is None:
                self.skipped.append((name, reason))
                self.log.error("Skipping %s: %s", safeio_name(name), reason)
            else:
                records.append(rec)
        from nbgrader.api import Gradebook, MissingEntry
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for recs in groupby(records, lambda r: r["username"]).values():
            recs = self._sort_by_timestamp(recs)
            if self.duedate is not None and self.before_duedate:
                before = [r for r in recs if r["timestamp"] <= self.duedate]
                recs = before or recs
            self.src_records.append(recs[0])

    def do_copy(self, src, dest):
        """Write the files checked in :meth:`init_src` (never the inbound folder again)."""
        name = os.path.basename(src)
        rec = next(r for r in self.src_records if r["filename"] == name)
        safeio.write_tree(rec["files"], dest)

    def copy_files(self):
        super().copy_files()
        listing = Path(self.coursedir.format_path(self.coursedir.submitted_directory, ".", ".")).resolve()
        listing.mkdir(parents=True, exist_ok=True)
        report = listing / SKIPPED_FILE
        if self.skipped:
            lines = [f"{safeio_name(n)}\t{r}" for n, r in self.skipped]
            with open(report, "a", encoding="utf-8") as f:
                f.write("".join(f"{self.coursedir.assignment_id}\t{ln}\n" for ln in lines))
            self.log.error("%d inbound entr%s skipped (listed in %s): needs a look",
                           len(self.skipped), "y" if len(self.skipped) == 1 else "ies", report)

    def start(self):
        super().start()
        if getattr(self, "skipped", None):
            # nbgrader's CollectApp exits 0 unless fail() is called; an entry skipped is not a
            # failure of the others, but the instructor must look
            self.fail_on_skip()

    def fail_on_skip(self):
        from nbgrader.exchange.abc.exchange import ExchangeError
        raise ExchangeError(f"{len(self.skipped)} inbound entries skipped (see {SKIPPED_FILE}); "
                            "the other submissions were collected")


def safeio_name(name, limit=120):
    """An entry name as printable ASCII."""
    text = ascii(str(name))[1:-1]
    return text if len(text) <= limit else text[:limit] + "…"


