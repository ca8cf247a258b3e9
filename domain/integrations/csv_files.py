"""An uploaded CSV read as text rows: the size limit, UTF-8 with or without a byte-order mark,
no binary content, the delimiter detected (comma or semicolon), a header row with at least one
named column and rows padded or cut to the header's width. Every refusal is a ``ValidationFailed``
on the ``file`` field with a message staff can act on."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from domain.shared.errors import ValidationFailed
from domain.shared.text import has_control_characters

MAX_FILE_BYTES = 20 * 1024 * 1024  # 20 MB: about 100,000 CRM rows
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_FIELD = 2_000  # characters in one cell
BAD_FILE = "integrations.bad_file"


@dataclass(frozen=True, slots=True)
class CsvTable:
    """The header and the data rows (each as wide as the header), and the delimiter found."""

    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    delimiter: str
    numbers: list[int]  # each row's record number in the file, the header being 1


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed({"file": message}, code=BAD_FILE)


def decode(content: bytes) -> str:
    """The file's text: UTF-8 (a leading byte-order mark dropped), refused when binary, in
    another encoding or too large."""
    if not content.strip():
        raise _refuse("The file is empty. Export the customers again and choose that file.")
    if len(content) > MAX_FILE_BYTES:
        raise _refuse(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. "
                      "Split it into smaller files and import each.")  # fmt: skip
    if b"\x00" in content[:65536]:
        raise _refuse("This is not a CSV file (it has binary content). Export the customers as "
                      "CSV and choose that file.")  # fmt: skip
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise _refuse(f"The file is not UTF-8 (line {line} has bytes that are not). Export it "
                      "again as CSV UTF-8.") from None  # fmt: skip
    return text.removeprefix("\ufeff")


def detect_delimiter(first_line: str) -> str:
    """A semicolon when the header has more semicolons than commas (spreadsheets in locales
    whose decimal mark is a comma), else a comma."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_csv(content: bytes) -> CsvTable:
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = detect_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_row = next(reader, None)
        if header_row is None:
            raise _refuse("The file is empty.")
        header = tuple(h.strip() for h in header_row)
        if not any(header):
            raise _refuse("The first row must name the columns (Email, Company name, ...).")
        if len(header) > MAX_COLUMNS:
            raise _refuse(f"The file has more than {MAX_COLUMNS} columns.")
        if any(has_control_characters(h) or len(h) > 200 for h in header):
            raise _refuse("A column name has special characters or is too long.")
        width = len(header)
        rows: list[tuple[str, ...]] = []
        numbers: list[int] = []
        for number, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue  # a blank line
            if len(rows) >= MAX_ROWS:
                raise _refuse(f"The file has more than {MAX_ROWS:,} rows. Split it and import "
                              "each part.")  # fmt: skip
            cells = (raw + [""] * width)[:width]
            rows.append(tuple(cells))
            numbers.append(number)
    except csv.Error as exc:
        raise _refuse(f"The file is not a well-formed CSV (line {reader.line_num}: {exc}). "
                      "Export it again as CSV.") from None  # fmt: skip
    if not rows:
        raise _refuse("The file has a header but no rows.")
    return CsvTable(header, rows, delimiter, numbers)
