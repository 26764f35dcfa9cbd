"""The one decoder, CSV reader and writer, and JSON writer for every text file the project reads or writes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from nianbao.errors import FormatError


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a data file as Excel or an editor may have saved it; the second item names the oddity."""
    if b"\x00" in data:
        raise FormatError("含二进制内容（NUL 字节），不是文本文件")
    note = None
    if data.startswith(b"\xef\xbb\xbf"):
        data, note = data[3:], "去除 UTF-8 BOM"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text, note = data.decode("gb18030"), "由 GBK/GB18030 转为 UTF-8"
        except UnicodeDecodeError as exc:
            raise FormatError(f"不是 UTF-8 或 GBK 文本，无法解码（第 {exc.start + 1} 字节）") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        note = f"{note}；换行改为 LF" if note else "换行改为 LF"
    return text, note


def write_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _records(text: str) -> list[list[str]]:
    try:
        return [r for r in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as exc:
        raise FormatError(f"CSV 无法解析：{exc}") from None


def dump_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
