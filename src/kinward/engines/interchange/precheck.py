"""Checking every record on its own (`validate_record`: schema and calendar) in a second process.

An importer of a large dataset spends about a fifth of its time on these checks, which need nothing but the
record. `RecordPrecheck(path)` starts `python -m kinward.engines.interchange.precheck PATH`, which reads the
dataset in the same order as `read_dataset` and writes, as JSON lines, the problems of each record that has
some and, every `MARK_EVERY` lines, how far it got. Used as `DatasetValidator(check_record=...)`, it answers
for a line once the helper has passed it (waiting for it otherwise), so the checks run on the second core
while the importer writes. If the helper fails, the lines it did not reach are checked in this process: the
answers are `validate_record`'s either way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from kinward.engines.interchange.format import file_name
from kinward.engines.interchange.reader import RecordLine, dataset_files, read_records
from kinward.engines.interchange.validate import Problem, validate_record

MARK_EVERY = 256


def _check_line(item: RecordLine) -> list[Problem]:
    return validate_record(item.type, item.record, file=item.file, line=item.line)


class RecordPrecheck:
    """`validate_record` answers for the lines of the dataset at `path`, computed by a helper process."""

    def __init__(self, path: str | Path) -> None:
        present, _unknown = dataset_files(path)
        self.order = {file_name(t): n for n, t in enumerate(present)}
        self.reached: tuple[int, int] = (-1, 0)  # (file position, line) the helper has checked up to
        self.found: dict[tuple[str, int], list[Problem]] = {}
        self.helper: subprocess.Popen[str] | None = subprocess.Popen(  # a plain interpreter, no fork
            [sys.executable, "-m", "kinward.engines.interchange.precheck", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def __call__(self, item: RecordLine) -> list[Problem]:
        where = (self.order.get(item.file, len(self.order)), item.line)
        while self.helper is not None and self.reached < where:
            self._read_one()
        if self.reached >= where:
            return list(self.found.get((item.file, item.line), ()))
        return _check_line(item)

    def _read_one(self) -> None:
        assert self.helper is not None and self.helper.stdout is not None
        text = self.helper.stdout.readline()
        try:
            message = json.loads(text) if text else None
        except ValueError:
            message = None
        if message is None:  # ended or garbled: the remaining lines are checked here
            self.close()
            return
        name, line = message["f"], message["l"]
        if "p" in message:
            self.found[(name, line)] = [Problem(*p) for p in message["p"]]
        self.reached = max(self.reached, (self.order[name], line))

    def close(self) -> None:
        """Stop the helper (when the import ends early, or after it failed)."""
        if self.helper is not None:
            self.helper.kill()
            self.helper.communicate()
            self.helper = None


def precheck(path: str | Path, out: IO[str]) -> None:
    """Write the problems of every record of the dataset at `path` that has some, and progress marks."""
    present, _unknown = dataset_files(path)
    for record_type in present:
        name, last = file_name(record_type), 0
        for item in read_records(path, record_type):
            last = item.line
            problems = _check_line(item) if item.record is not None else []
            if problems:
                out.write(json.dumps({"f": name, "l": last, "p": [_fields(p) for p in problems]}) + "\n")
            elif last % MARK_EVERY == 0:
                out.write(json.dumps({"f": name, "l": last}) + "\n")
        out.write(json.dumps({"f": name, "l": sys.maxsize}) + "\n")
    out.flush()


def _fields(problem: Problem) -> list[Any]:
    return [problem.file, problem.line, problem.ref, problem.field, problem.reason]


if __name__ == "__main__":
    precheck(sys.argv[1], sys.stdout)
