"""The one decoder, bounded no-follow reader, atomic writer, CSV reader and writer, and JSON reader and writer."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.errors import FormatError

# A template table has at most 26 rows: anything near these sizes is not a report file.
MAX_BYTES = {".csv": 1 << 20, ".json": 1 << 20, ".md": 4 << 20, ".txt": 8 << 20, ".html": 8 << 20}
MAX_JSON_DEPTH = 20  # a descriptor nests 4 deep (resources[0].name); more is not ours


class DecodeError(FormatError):
    """Bytes that are not text we can read with certainty; `line` is where the trouble starts."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class LinkError(FormatError):
    """A symbolic link where a data file or folder should be: never followed."""


class TooLargeError(FormatError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"文件过大（{size:,} 字节，上限 {limit:,} 字节），未读取")
        self.size, self.limit = size, limit


def limit_for(path: Path) -> int:
    return MAX_BYTES.get(path.suffix, 1 << 20)


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """A file's bytes, never through a symbolic link and never more than its size limit (FileNotFoundError if absent)."""
    limit = limit_for(path) if limit is None else limit
    if path.is_symlink():
        raise LinkError("是符号链接，未读取")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise TooLargeError(size, limit)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise TooLargeError(len(data), limit)
    return data


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` by `text` (UTF-8) all at once: a temporary file in the same folder, then os.replace.

    A kill or a full disk leaves the old file whole; a link at `path` is replaced, never written through."""
    data = text.encode("utf-8")
    mode = path.lstat().st_mode & 0o777 if path.exists() and not path.is_symlink() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# What a GBK reading of real Chinese text holds: ASCII, CJK ideographs and the punctuation, numbering and symbols
# of Chinese documents. Box drawing, kana, Hangul, private use or CJK extensions mean the bytes are something else
# (Big5, Shift-JIS) that happens to decode as GBK.
_PLAUSIBLE = re.compile(
    "[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2150-\u218f\u2190-\u22ff\u2460-\u24ff\u25a0-\u26ff"
    "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*"
)


@dataclass(frozen=True)
class Decoded:
    text: str
    bom: bool
    gbk: bool  # converted from GBK/GB18030
    gbk_line: int | None  # the first line that is not UTF-8, when converted
    crlf: bool


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _gbk_reading(data: bytes, first_bad: int) -> str:
    """The whole file read as GBK/GB18030, when that reading is certain; DecodeError otherwise."""
    lines = data.split(b"\n")
    bad_line = _line_of(data, first_bad)
    try:
        lines[bad_line - 1].decode("gb18030")
        pasted = True
    except UnicodeDecodeError:
        pasted = False
    for number, line in enumerate(lines, start=1):
        try:
            utf8 = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if pasted and any("\u4e00" <= c <= "\u9fff" for c in utf8):
            raise DecodeError(
                f"第 {bad_line} 行不是 UTF-8，而第 {number} 行是含中文的 UTF-8："
                "文件混用了两种编码（常见于把 GBK 文本粘贴进 UTF-8 文件），不自动转换，请改正该行",
                bad_line,
            )
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise DecodeError(f"不是 UTF-8 或 GBK 文本，无法解码（第 {first_bad + 1} 字节）", bad_line) from None
    rare = 0
    for number, line in enumerate(text.split("\n"), start=1):
        odd = _PLAUSIBLE.fullmatch(line) is None
        if odd:
            char = next(c for c in line if not _PLAUSIBLE.fullmatch(c))
            raise DecodeError(
                f"不是 UTF-8；按 GBK 解读时第 {number} 行出现不常见的字符“{char}”（U+{ord(char):04X}），"
                "可能是 Big5 或 Shift-JIS 等编码：不自动转换，请另存为 UTF-8",
                number,
            )
        for c in line:
            if c >= "\u4e00":
                try:
                    c.encode("gb2312")
                except UnicodeEncodeError:
                    rare += 1
    ideographs = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    if rare >= 4 and rare * 3 > ideographs:
        raise DecodeError(
            f"不是 UTF-8；按 GBK 解读时 {ideographs} 个汉字中有 {rare} 个是生僻字，可能是 Big5 或 Shift-JIS 等编码："
            "不自动转换，请另存为 UTF-8",
            1,
        )
    return text


def decode_detail(data: bytes) -> Decoded:
    """Text of a data file as Excel or an editor may have saved it, converting only what is certain."""
    if b"\x00" in data:
        raise DecodeError("含二进制内容（NUL 字节），不是文本文件", _line_of(data, data.index(b"\x00")))
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    gbk_line = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = _gbk_reading(data, exc.start)
        gbk_line = _line_of(data, exc.start)
    crlf = "\r" in text
    if crlf:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Decoded(text, bom, gbk_line is not None, gbk_line, crlf)


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a data file as Excel or an editor may have saved it; the second item names the oddity."""
    d = decode_detail(data)
    notes = [
        note
        for flag, note in ((d.bom, "去除 UTF-8 BOM"), (d.gbk, "由 GBK/GB18030 转为 UTF-8"), (d.crlf, "换行改为 LF"))
        if flag
    ]
    return d.text, "；".join(notes) or None


# The only changes fmt makes inside a value: full-width digits, minus and point (what an IME types), nothing else.
# NFKC would also turn 95² into 952, ① into 1 and ㉕ into 25.
_FOLD = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "－": "-", "−": "-", "．": "."})


def fold_number(cell: str) -> str:
    """A value cell without surrounding spaces and with full-width digits, minus and point made ASCII."""
    return cell.strip(" \t\u3000\xa0").translate(_FOLD)


def printable(text: str) -> str:
    """Text for a terminal or a CI log: control and format characters shown as escapes (a newline in a file name
    must not start a line of its own, where a runner could read it as a command)."""
    if all(c.isprintable() or c == " " for c in text):
        return text
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape", "backslashreplace").decode("ascii")
        for c in text
    )


def unsafe_name(name: str) -> bool:
    """A file or folder name with a control, format or line-separator character."""
    return any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"} for c in name)


def write_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _records(text: str) -> list[list[str]]:
    try:
        return [r for r in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as exc:
        raise FormatError(f"CSV 无法解析：{exc}") from None


class JSONError(FormatError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise JSONError(f"键“{printable(key)}”重复出现（JSON 只保留最后一个，会悄悄丢掉前面的值）")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise JSONError(f"含 {name}：不是合法的 JSON 数值")


def _clip(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONError(f"数值 {_clip(text)} 超出范围（按浮点数读作无穷大）")
    return value


def _integer(text: str) -> int:
    if len(text) > 30:
        raise JSONError(f"整数 {_clip(text)} 有 {len(text)} 位，不是年报中的数")
    return int(text)


def _depth(obj: Any) -> int:
    deepest, stack = 0, [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return deepest


def _surrogate(obj: Any) -> str | None:
    stack = [obj]
    while stack:
        item = stack.pop()
        texts = [item] if isinstance(item, str) else list(item) if isinstance(item, dict) else []
        for text in texts:
            for c in text:
                if "\ud800" <= c <= "\udfff":
                    return f"\\u{ord(c):04x}"
        if isinstance(item, dict):
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return None


def load_json(text: str) -> Any:
    """Parse JSON strictly: duplicate keys, NaN/Infinity, nesting deeper than MAX_JSON_DEPTH and lone surrogates
    (which cannot be written back as UTF-8) are errors (JSONError with the place, where there is one)."""
    try:
        value = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite, parse_int=_integer
        )
    except json.JSONDecodeError as exc:
        raise JSONError(f"不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）", exc.lineno, exc.colno) from None
    except RecursionError:
        raise JSONError(f"JSON 嵌套过深（超过 {MAX_JSON_DEPTH} 层）") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise JSONError(f"JSON 嵌套过深（超过 {MAX_JSON_DEPTH} 层）")
    bad = _surrogate(value)
    if bad:
        raise JSONError(f"含孤立的 Unicode 代理字符 {bad}（不是合法的文字，无法写成 UTF-8）")
    return value


def dump_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
