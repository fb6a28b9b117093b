"""Word files made into PDF pages by LibreOffice, run headless, when the computer has it.

Used by a bundle (the case file's Word documents) and by letters (a Word template issued as
a PDF). Each run has a fresh profile of its own in a temporary folder, so a person's open
LibreOffice is never touched, and the files are named by key, never by a person's name.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TypeVar

__all__ = ["run", "soffice", "words_to_pdf"]

K = TypeVar("K", bound=Hashable)


def soffice() -> str | None:
    """LibreOffice's program, or None when this computer does not have it."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def words_to_pdf(
    files: Mapping[K, bytes], cancel: threading.Event | None = None
) -> dict[K, bytes | None] | None:
    """Word files' pages by key, all in one run (starting LibreOffice is most of the time):
    None when the computer has no LibreOffice; a file it could not read (or a run stopped
    or too slow) maps to None, the others to their PDF all the same."""
    program = soffice()
    if program is None:
        return None
    if not files:
        return {}
    with tempfile.TemporaryDirectory(prefix="caseload-word-") as folder:
        names = {key: f"{n}" for n, key in enumerate(files)}
        for key, data in files.items():
            (Path(folder) / f"{names[key]}.docx").write_bytes(data)
        profile = (Path(folder) / "profile").as_uri()
        sources = [str(Path(folder) / f"{names[key]}.docx") for key in files]
        command = [program, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                   "pdf", "--outdir", folder, *sources]  # fmt: skip
        ran = run(command, timeout=60 + 20 * len(files), cancel=cancel)
        made: dict[K, bytes | None] = {}
        for key in files:
            out = Path(folder) / f"{names[key]}.pdf"
            made[key] = out.read_bytes() if ran and out.is_file() else None
        return made


def run(command: list[str], timeout: float, cancel: threading.Event | None = None) -> bool:
    """Run a converter to its end (True, whatever it says of each file: what it made is
    there), or stop it when asked or when it takes too long (False)."""
    try:
        with subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ) as process:
            waited = 0.0
            while process.poll() is None:
                if waited > timeout or (cancel is not None and cancel.is_set()):
                    process.kill()
                    process.wait()
                    return False
                time.sleep(0.1)
                waited += 0.1
            return True
    except OSError:
        return False
