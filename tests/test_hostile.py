"""Hostile input, fed to the real commands in a subprocess: the exact outcome, and never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, chdir

from nianbao.check import validate

PKG = Path("reports/testtown/2019")
LINK = "错误 [file-symlink] 是符号链接：数据目录中不接受链接（可能指向仓库外的文件），未读取（期望：普通文件或文件夹；实际：符号链接）"


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `nianbao …` as a user does; the promise: no traceback, whatever the input."""
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def build(data: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    """Run `python build_site.py` on `data` in a subprocess (no traceback allowed)."""
    dirs = ["--site-dir", str(out / "site"), "--build-dir", str(out / "build")]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build_site.py"), "--data", str(data), *dirs, *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def problems_in(target: Path) -> list[str]:
    with chdir(target):
        report, _ = validate(["."])
    return [p.text() for p in report.sorted_problems()]


def test_fifty_megabyte_csv_is_refused_unread(base_copy: Path) -> None:
    path = base_copy / PKG / "s3.csv"
    with path.open("ab") as f:
        f.truncate(50 * 1024 * 1024)
    assert problems_in(base_copy) == [
        "reports/testtown/2019/s3.csv: 错误 [file-missing] 文件过大，不像年报数据文件，未读取"
        "（期望：不超过 1,048,576 字节；实际：52,428,800 字节）"
    ]
    status, _, err = cli("fmt", "--check", ".", cwd=base_copy)
    assert status == 1
    assert err == (
        "reports/testtown/2019/s3.csv: 错误 [file-encoding] 无法改写为规范格式："
        "文件过大（52,428,800 字节，上限 1,048,576 字节），未读取\n"
    )


# --- Symbolic links: refused by validate, fmt and the build; never read, never written through -----------------

LINKED = {
    "agencies.csv": "agencies.csv",
    "descriptor": "reports/testtown/2019/datapackage.json",
    "narrative": "reports/testtown/2019/narrative.md",
    "resource": "reports/testtown/2019/s3.csv",
    "year folder": "reports/testtown/2019",
    "agency folder": "reports/testcity",
}


def _link(base: Path, rel: str, outside: Path) -> Path:
    """Replace `rel` by a link to a copy of it outside the data directory whose first line is SECRET."""
    path = base / rel
    target = outside / "target"
    if path.is_dir():
        shutil.copytree(path, target)
        shutil.rmtree(path)
        for csv in target.rglob("*.csv"):
            csv.write_text("SECRET\n" + csv.read_text(encoding="utf-8"), encoding="utf-8")
    else:
        target.write_text("SECRET\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        path.unlink()
    os.symlink(target, path)
    return target


@pytest.mark.parametrize("rel", list(LINKED.values()), ids=list(LINKED))
def test_symlink_is_refused_everywhere(rel: str, base_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = _link(base_copy, rel, outside)
    before = {p: p.read_bytes() for p in [target, *target.rglob("*")] if p.is_file()}
    status, out, _ = cli("validate", ".", cwd=base_copy)
    assert status == 1
    assert out.splitlines()[0] == f"{rel}: {LINK}"
    assert [line for line in out.splitlines() if " 错误 [" in line] == [f"{rel}: {LINK}"]
    assert "SECRET" not in out
    status, out, err = cli("fmt", "--check", ".", cwd=base_copy)
    assert (status, "SECRET" in out) == (1, False)
    assert err.splitlines()[0] == (
        f"{rel}: 错误 [file-encoding] 无法改写为规范格式：是符号链接：数据目录中不接受链接（可能指向仓库外的文件），未读取"
    )
    status, _, _ = cli("fmt", ".", cwd=base_copy)
    assert status == 1
    assert {p: p.read_bytes() for p in before} == before and (base_copy / rel).is_symlink()
    status, out, err = build(base_copy, tmp_path / "out")
    assert status == 1 and f"{rel}: {LINK}" in out and not (tmp_path / "out" / "site").exists()


def test_linked_package_named_directly(base_copy: Path, tmp_path: Path) -> None:
    _link(base_copy, "reports/testtown/2020", tmp_path)
    status, out, _ = cli("validate", "reports/testtown/2020", cwd=base_copy)
    assert status == 1 and out.splitlines()[0] == f"reports/testtown/2020: {LINK}"
    status, _, err = cli("fmt", "reports/testtown/2020", cwd=base_copy)
    assert status == 1 and err.startswith("reports/testtown/2020: 错误 [file-encoding] 无法改写为规范格式：是符号链接")
    status, _, err = cli("show", "reports/testtown/2020", "--tidy", cwd=base_copy)
    assert status == 1 and err.startswith(f"reports/testtown/2020: {LINK}")


def test_unlisted_link_in_a_package_is_reported(base_copy: Path) -> None:
    os.symlink("/etc/passwd", base_copy / PKG / "notes.csv.bak")
    assert problems_in(base_copy) == [f"reports/testtown/2019/notes.csv.bak: {LINK}"]


# --- Names that could pose as CI workflow commands -----------------------------------------------------------------


def test_newline_in_a_folder_name_is_refused_and_escaped(base_copy: Path, monkeypatch) -> None:
    evil = "2018\n::error file=x::pwned"
    shutil.copytree(base_copy / PKG, base_copy / "reports/testtown" / evil)
    status, out, _ = cli("validate", ".", cwd=base_copy)
    assert status == 1
    assert not any(line.startswith("::") for line in out.splitlines())
    assert out.splitlines()[0] == (
        "reports/testtown/2018\\n::error file=x::pwned: 错误 [file-name] "
        "文件或文件夹名含控制字符（如换行），可能伪造日志或 CI 命令：请改名（实际：'2018\\n::error file=x::pwned'）"
    )
    status, out, err = cli("fmt", "--check", ".", cwd=base_copy)
    assert status == 1 and not any(line.startswith("::") for line in (out + err).splitlines())
    status, out, _ = cli("validate", ".", "--format", "github", cwd=base_copy, env={"GITHUB_STEP_SUMMARY": ""})
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert commands[0] == (
        "::error file=reports/testtown/2018%0A%3A%3Aerror file=x%3A%3Apwned,title=[file-name] 文件和文件夹名不含控制字符（换行等）"
        "::错误 [file-name] 文件或文件夹名含控制字符（如换行），可能伪造日志或 CI 命令：请改名（实际：'2018\\n::error file=x::pwned'）"
    )


def test_workflow_command_in_a_note_is_not_a_command_in_fmt_diff(base_copy: Path) -> None:
    notes = base_copy / "reports/testtown/2020/notes.csv"
    notes.write_text(notes.read_text(encoding="utf-8") + 's3,granted,total,"x\n::error::pwned"\n', encoding="utf-8")
    status, out, _ = cli("fmt", "--check", ".", cwd=base_copy)
    assert status in (0, 1)
    assert not any(line.lstrip(" +-").startswith("::") for line in out.splitlines())


# --- No network during validation ----------------------------------------------------------------------------------


def test_remote_references_are_reported_and_never_fetched(base_copy: Path) -> None:
    import json
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    connections: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                connections.append(conn.recv(200))
            except OSError:
                connections.append(b"")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    path = base_copy / PKG / "datapackage.json"
    d = json.loads(path.read_text(encoding="utf-8"))
    d["profile"] = f"{url}/profile.json"
    d["$schema"] = f"{url}/schema.json"
    d["resources"][0] |= {"schema": f"{url}/table-schema.json", "dialect": f"{url}/dialect.json"}
    path.write_text(json.dumps(d, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    try:
        status, out, _ = cli("validate", ".", cwd=base_copy)
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
    assert connections == []
    assert status == 1
    where = "reports/testtown/2019/datapackage.json"
    tail = "引用了数据包以外的文件或网址：校验不访问网络，也不读取包外文件（期望：省略，或 data-package / tabular-data-package；实际："
    assert [line for line in out.splitlines() if "[descriptor]" in line] == [
        f"{where}:$schema: 错误 [descriptor] $schema {tail}{url}/schema.json）",
        f"{where}:profile: 错误 [descriptor] profile {tail}{url}/profile.json）",
        f"{where}:resources[0].dialect: 错误 [descriptor] resources[0].dialect {tail}{url}/dialect.json）",
        f"{where}:resources[0].schema: 错误 [descriptor] resources[0].schema {tail}{url}/table-schema.json）",
    ]
