"""A minimal .xlsx writer (Office Open XML, inline strings): deterministic bytes, no dependency, no formulas."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from nianbao.site.downloads import spreadsheet_text, zip_files

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


def _sheet(rows: list[list[Cell]], frozen_rows: int) -> str:
    body = []
    for r, row in enumerate(rows, 1):
        cells = "".join(_cell(f"{column_name(c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    frozen = (
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{frozen_rows}" topLeftCell="A{frozen_rows + 1}" '
        'state="frozen"/></sheetView></sheetViews>'
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>{frozen}<sheetData>{"".join(body)}</sheetData></worksheet>'


def workbook(
    sheets: list[tuple[str, list[list[Cell]]]], date: tuple[int, int, int, int, int, int], frozen_rows: int = 1
) -> bytes:
    """An .xlsx of `sheets` (name ≤ 31 characters, rows of text or numbers; None or "" = an empty cell), the first
    `frozen_rows` (headers) kept in view."""
    names = "".join(
        f'<sheet name="{_text(name[:31])}" sheetId="{n}" r:id="rId{n}"/>' for n, (name, _) in enumerate(sheets, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    files = {
        "[Content_Types].xml": _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))
        ),
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_REL_NS}><sheets>{names}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
    }
    for n, (_, rows) in enumerate(sheets, 1):
        files[f"xl/worksheets/sheet{n}.xml"] = _sheet(rows, frozen_rows)
    return zip_files({k: v.encode("utf-8") for k, v in files.items()}, date)
