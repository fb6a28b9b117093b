"""Shared test helpers: real SQLite files in tmp_path, never mocks of the database."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 24)

HEADER = (
    "child_first_name,child_last_name,date_of_birth,upn,nhs_number,postcode,primary_need,"
    "caseworker,request_received,stage,final_plan_issued,last_review,parent_carer_name,phone,email"
)


def write_csv(path: Path, *lines: str, header: str = HEADER, bom: bool = False) -> Path:
    text = "\r\n".join((header, *lines)) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
