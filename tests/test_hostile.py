"""Hostile input, fed to the real commands in a subprocess: the exact outcome, and never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

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
    """The problem lines of `nianbao validate .` run in `target` (a subprocess: no traceback allowed)."""
    status, out, err = cli("validate", ".", cwd=target)
    assert status in (0, 1) and err == ""
    return out.splitlines()[:-1]  # the last line is the summary


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
        "reports/testtown/2019/s3.csv: 错误 [file-missing] 无法改写为规范格式："
        "文件过大（52,428,800 字节，上限 1,048,576 字节），未读取\n"
    )


def test_a_fifo_in_place_of_a_csv_is_refused_without_hanging(base_copy: Path) -> None:
    path = base_copy / PKG / "s4.csv"
    path.unlink()
    os.mkfifo(path)
    assert problems_in(base_copy) == [
        "reports/testtown/2019/s4.csv: 错误 [file-missing] 文件不是普通文件（文件夹、管道或设备），未读取"
    ]
    status, _, err = cli("fmt", ".", cwd=base_copy)
    assert (status, err) == (
        1,
        "reports/testtown/2019/s4.csv: 错误 [file-missing] 无法改写为规范格式：不是普通文件（文件夹、管道或设备），未读取\n",
    )


def test_a_million_blank_lines_are_one_finding(base_copy: Path) -> None:
    path = base_copy / PKG / "s4.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n" * 1_000_000, encoding="utf-8")
    assert problems_in(base_copy) == [
        "reports/testtown/2019/s4.csv: 错误 [row-shape] 文件的行数远多于模板所能有的行数，未逐行检查"
        "（期望：不超过 5 行；实际：1,000,002 行）"
    ]


def test_markup_on_every_line_of_a_narrative_is_reported_bounded(base_copy: Path) -> None:
    path = base_copy / PKG / "narrative.md"
    path.write_text(path.read_text(encoding="utf-8") + "<b>x</b>\n" * 100_000, encoding="utf-8")
    found = problems_in(base_copy)
    assert len(found) == 21
    assert (
        found[0]
        == "reports/testtown/2019/narrative.md: 警告 [narrative-markup] 另有 99980 行含 HTML 标记，未逐一列出（实际：共 100000 行）"
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
        f"{rel}: 错误 [file-symlink] 无法改写为规范格式：是符号链接：数据目录中不接受链接（可能指向仓库外的文件），未读取"
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
    assert status == 1 and err.startswith("reports/testtown/2020: 错误 [file-symlink] 无法改写为规范格式：是符号链接")
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


def test_a_title_with_a_newline_stays_one_line_in_show_and_validate(base_copy: Path) -> None:
    import json

    path = base_copy / PKG / "datapackage.json"
    d = json.loads(path.read_text(encoding="utf-8"))
    d["title"] = "报告\n::error file=x::pwned"
    d["agency"] = "testtown\n::warning::x"
    path.write_text(json.dumps(d, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    status, out, _ = cli("show", str(PKG), cwd=base_copy)
    assert out.splitlines()[:2] == [
        "报告\\n::error file=x::pwned",
        "机构：testtown\\n::warning::x  年度：2019  模板：V2019",
    ]
    status, out, _ = cli("validate", ".", cwd=base_copy)
    assert status == 1 and not any(line.startswith("::") for line in out.splitlines())


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


# --- No traceback, whatever the input: validate, fmt, show and the build in a subprocess ---------------------------


def _deep_json(base: Path) -> str:
    path = base / PKG / "datapackage.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"title": ', '"x": ' + "[" * 1000 + "]" * 1000 + ', "title": ', 1)
    )
    return "reports/testtown/2019/datapackage.json: 错误 [json-syntax] datapackage.json JSON 嵌套过深（超过 20 层）"


def _long_count(base: Path) -> str:
    path = base / PKG / "s4.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("cases,,1,1,0,0,2,", f"cases,,{'1' * 400},1,0,0,2,"))
    return (
        "reports/testtown/2019/s4.csv:2:review_upheld: 错误 [R9] 数值位数过多（400 位，上限 15 位），不像年报中的数"
        f"（期望：非负整数；实际：{'1' * 400}）"
    )


def _surrogate_title(base: Path) -> str:
    path = base / PKG / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"title": "', '"title": "\\ud800', 1))
    return (
        "reports/testtown/2019/datapackage.json: 错误 [json-syntax] datapackage.json "
        "含孤立的 Unicode 代理字符 \\ud800（不是合法的文字，无法写成 UTF-8）"
    )


def _huge_year(base: Path) -> str:
    path = base / PKG / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"year": 2019', '"year": ' + "9" * 5000, 1))
    return (
        "reports/testtown/2019/datapackage.json: 错误 [json-syntax] datapackage.json "
        "整数 99999999999999999999… 有 5000 位，不是年报中的数"
    )


def _infinite_number(base: Path) -> str:
    path = base / PKG / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"year": 2019,', '"year": 2019, "x": 1e999,', 1))
    return (
        "reports/testtown/2019/datapackage.json: 错误 [json-syntax] datapackage.json "
        "数值 1e999 超出范围（按浮点数读作无穷大）"
    )


HOSTILE = {
    # name: (make it, fmt --check status, fmt status, show status); validate and the build always exit 1
    "deep": (_deep_json, 1, 1, 1),
    "400-digit": (_long_count, 0, 0, 0),  # a well-formed CSV: fmt has nothing to do; show prints it as it is
    "surrogate": (_surrogate_title, 1, 1, 1),
    "5000-digit year": (_huge_year, 1, 1, 1),
    "1e999": (_infinite_number, 1, 1, 1),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_no_traceback_on_hostile_data(name: str, base_copy: Path, tmp_path: Path) -> None:
    hostile, fmt_check, fmt, show = HOSTILE[name]
    first = hostile(base_copy)
    status, out, _ = cli("validate", ".", cwd=base_copy)
    assert status == 1 and out.splitlines()[0] == first
    assert cli("fmt", "--check", ".", cwd=base_copy)[0] == fmt_check
    assert cli("fmt", ".", cwd=base_copy)[0] == fmt
    assert cli("show", str(PKG), cwd=base_copy)[0] == show
    assert cli("show", str(PKG), "--tidy", cwd=base_copy)[0] == show
    status, out, err = build(base_copy, tmp_path / "out")
    assert status == 1 and first in out and err == "数据有错误，未生成网站（site/ 保持原样）。\n"


def test_dangling_site_link_is_refused_not_followed(base_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(tmp_path / "nowhere", out / "site")
    status, _, err = build(base_copy, out)
    assert status == 1
    assert err == f"错误：{out / 'site'} 是符号链接：不经链接写入网站（以免写到别处），请删去或改为普通文件夹\n"
    assert (out / "site").is_symlink() and not (tmp_path / "nowhere").exists()


def test_a_full_disk_during_the_build_is_a_message(base_copy: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import errno

    from nianbao.website.build import main

    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if self.name == "index.md":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    out = tmp_path / "out"
    status = main(["--data", str(base_copy), "--site-dir", str(out / "site"), "--build-dir", str(out / "build")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith(f"错误：写入失败：{out / 'build'}/docs.tmp/") and err.endswith("：No space left on device\n")
    assert not (out / "site").exists()


def test_a_second_build_waits_for_none_and_breaks_nothing(base_copy: Path, tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "out"
    (out / "build").mkdir(parents=True)
    with open(out / "build" / ".lock", "w") as held:  # a build in progress
        fcntl.flock(held, fcntl.LOCK_EX)
        status, _, err = build(base_copy, out)
    assert status == 1
    assert err == f"错误：另一个构建正在使用 {out / 'build'}，请等它结束后再试\n"
    assert not (out / "site").exists()


def test_two_builds_at_once_never_both_succeed_with_a_partial_site(base_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    dirs = ["--site-dir", str(out / "site"), "--build-dir", str(out / "build")]
    command = [sys.executable, str(ROOT / "build_site.py"), "--data", str(base_copy), *dirs]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all("Traceback" not in err for _, err in results)
    assert all(status == 0 or "另一个构建正在使用" in err for status, err in results)
    assert any(status == 0 for status, _ in results)
    reference = tmp_path / "reference"
    assert build(base_copy, reference)[0] == 0
    files = sorted(p.relative_to(out / "site") for p in (out / "site").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(reference / "site") for p in (reference / "site").rglob("*") if p.is_file())


# --- History from git: a hostile subject never breaks the build; only the forge's own merge commits are linked -----


def test_history_survives_control_characters_and_links_only_real_merges(tmp_path: Path) -> None:
    from nianbao.website.history import read_history

    repo = tmp_path / "repo"
    data = repo / "data" / "reports" / "a"

    def git(*args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": "2026-01-02T00:00:00", "GIT_COMMITTER_DATE": "2026-01-02T00:00:00"}
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
        return done.stdout.strip()

    repo.mkdir()
    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    git("remote", "add", "origin", "https://github.com/o/r.git")
    for year, subject in (("2019", "Fix totals (#1)"), ("2020", "bad \x1e\x1f\x1b[31m subject\x07")):
        (data / year).mkdir(parents=True)
        (data / year / "s3.csv").write_text("x\n")
        git("add", "-A")
        git("commit", "-q", "-m", subject)
    git("checkout", "-q", "-b", "feature")
    (data / "2021").mkdir()
    (data / "2021" / "s3.csv").write_text("x\n")
    git("add", "-A")
    git("commit", "-q", "-m", "Add 2021 (#3)")
    git("checkout", "-q", "main")
    git("merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #7 from someone/feature")
    history = read_history(repo / "data")
    assert history is not None
    got = {c.packages: (c.subject, c.pull_request, history.pull_url(c)) for c in history.recent}
    assert got == {  # along main: the merge is the change that brought a/2021 in
        ("a/2021",): ("Merge pull request #7 from someone/feature", 7, f"{history.repo_url}/pull/7"),
        ("a/2020",): ("", None, None),
        ("a/2019",): ("Fix totals (#1)", None, None),
    }
