"""CSV files a spreadsheet can open safely: atomic writes, formula injection neutralised."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from caseload_app.files import atomic_open

# A cell starting with one of these is run as a formula by Excel/LibreOffice (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    before_publish: Callable[[int], None] | None = None,
) -> int:
    """Write to a temporary file beside the target, then rename: never a half-written file.

    `before_publish(count)` runs once every row is written and before the rename (the
    caller records the export there): if it fails, the temporary file is removed and no
    file appears at `path`."""
    count = 0
    with atomic_open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            count += 1
        if before_publish is not None:
            before_publish(count)
    return count
