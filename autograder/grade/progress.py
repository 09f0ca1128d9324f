"""The grader's progress line on stderr: count, rate and ETA (plain lines when not a tty)."""
from __future__ import annotations

import sys
import time

from autograder.grade.model import Status
from autograder.grade.text import clean


class Progress:
    """A one-line progress bar with count, rate and ETA on stderr (plain lines when not a tty)."""

    def __init__(self, total, enabled=True, stream=None):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.enabled, self.stream = enabled, stream or sys.stderr     # the stderr of now, not of import
        self.tty = self.stream.isatty()
        self.last = 0.0

    def update(self, res):
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * self.done / max(1, self.total))
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"{rate:.2f}/s ETA {eta:4.0f}s  {clean(res.student)}: {res.status}")
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or time.monotonic() - self.last > 2 or res.status != Status.GRADED:
            self.stream.write(line + "\n")
            self.last = time.monotonic()
        self.stream.flush()
