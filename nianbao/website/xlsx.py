"""A minimal .xlsx writer (Office Open XML, inline strings): deterministic bytes, no dependency, no formulas."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from nianbao.website.downloads import spreadsheet_text, zip_info

Cell = str | int | float | None

# Characters XML 1.0 cannot hold (C0 controls but TAB/LF/CR, surrogates, U+FFFE/F): shown as U+FFFD.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def _cell(ref: str, value: Cell) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        # Text is an inline string (never a formula); neutralised like every spreadsheet download all the same.
        return (
            f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(spreadsheet_text(str(value)))}</t></is></c>'
        )
    return f'<c r="{ref}"><v>{value!r}</v></c>'


class Workbook:
    """An .xlsx written sheet by sheet into a compressed archive in memory: a sheet's rows are streamed into the
    zip as they come, so the build never holds a whole sheet as text (wide tables of thousands of reports)."""

    def __init__(self, date: tuple[int, int, int, int, int, int], frozen_rows: int = 1) -> None:
        self._out = io.BytesIO()
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_DEFLATED)
        self._date = date
        self._frozen = frozen_rows
        self._names: list[str] = []

    def add(self, name: str, rows: Iterable[list[Cell]]) -> None:
        """A sheet (name ≤ 31 characters) of rows of text or numbers; None or "" is an empty cell."""
        self._names.append(name[:31])
        frozen = (
            f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{self._frozen}" '
            f'topLeftCell="A{self._frozen + 1}" state="frozen"/></sheetView></sheetViews>'
        )
        info = zip_info(f"xl/worksheets/sheet{len(self._names)}.xml", self._date)
        with self._zip.open(info, "w") as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'.encode())
            sheet.write(f"{frozen}<sheetData>".encode())
            for r, row in enumerate(rows, 1):
                cells = "".join(_cell(f"{column_name(c)}{r}", v) for c, v in enumerate(row))
                sheet.write(f'<row r="{r}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")

    def close(self) -> bytes:
        count = len(self._names)
        names = "".join(f'<sheet name="{_text(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(self._names, 1))
        rels = "".join(
            f'<Relationship Id="rId{i}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        parts = {
            "[Content_Types].xml": _CONTENT_TYPES.format(
                sheets="".join(_SHEET_TYPE.format(n=i) for i in range(1, count + 1))
            ),
            "_rels/.rels": _ROOT_RELS,
            "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<workbook {_NS} {_REL_NS}><sheets>{names}</sheets></workbook>",
            "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        }
        for name, text in parts.items():
            self._zip.writestr(zip_info(name, self._date), text.encode("utf-8"))
        self._zip.close()
        return self._out.getvalue()
