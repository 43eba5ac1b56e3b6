"""Helpers for the import and export tests of every app: files in the encodings offices produce, and the
`import`/`export` commands run with their exit status, stdout and stderr."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from epiwatch.testing import BaseTestCase


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run_command(name: str, *args: str) -> Ran:
    """Run a management command as an operator would; the exit status is 0, or the CommandError's."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return Ran(exc.returncode, out.getvalue(), err.getvalue() + str(exc))
    return Ran(0, out.getvalue(), err.getvalue())


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows wrote it: base letters precomposed (ê, ơ, ư, ă, đ), tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in decomposed[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize(
            "NFC", decomposed[0] + "".join(m for m in decomposed[1:] if m not in tones)
        )
        out.append(base.encode("cp1258") + tones.encode("cp1258"))
    return b"".join(out)


def csv_bytes(header, rows, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if encoding == "cp1258":
        return to_cp1258(text)
    if encoding == "utf-16":  # what Excel's "Unicode Text" writes: UTF-16 LE with a BOM
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(encoding)


def read_csv(path: Path) -> list[list[str]]:
    raw = Path(path).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), "CSV written for Excel starts with a BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


class IOTestCase(BaseTestCase):
    """BaseTestCase with a scratch directory and English messages (the source strings the tests assert)."""

    def setUp(self):
        super().setUp()
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        self.dir = Path(scratch.name)

    def file(self, name: str, header, rows, **kwargs) -> Path:
        path = self.dir / name
        path.write_bytes(csv_bytes(header, rows, **kwargs))
        return path

    def xlsx(self, name: str, build) -> Path:
        workbook = openpyxl.Workbook()
        build(workbook)
        path = self.dir / name
        workbook.save(path)
        return path

    def raw(self, name: str, content: bytes) -> Path:
        path = self.dir / name
        path.write_bytes(content)
        return path

    def import_(self, kind: str, path: Path, org: str, *flags: str) -> Ran:
        return run_command("import", kind, str(path), "--org", org, *flags)

    def export(self, kind: str, *flags: str) -> Ran:
        return run_command("export", kind, *flags)

    def errors_of(self, path: Path) -> list[list[str]]:
        return read_csv(path.with_name(path.name + ".errors.csv"))

    def assert_no_errors_file(self, path: Path) -> None:
        self.assertFalse(path.with_name(path.name + ".errors.csv").exists())
