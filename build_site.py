"""Build the public site from data/: validate everything first, and build nothing when there are errors."""

from __future__ import annotations

import sys

from nianbao import formats
from nianbao.validate import validate


def main() -> int:
    report, _ = validate(["data"])
    sys.stdout.write(formats.as_text(report))
    if not report.ok:
        print("数据有错误，未生成网站。", file=sys.stderr)
        return 1
    # The site (pages, downloads, search) is rendered here once it exists (issue: the public site).
    print("数据校验通过；网站生成尚未实现，本脚本目前只校验 data/。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
