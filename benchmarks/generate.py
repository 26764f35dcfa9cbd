"""Generate synthetic report packages for benchmarks: valid, consistent (R1–R8 hold), never real, never in data/."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from nianbao.core.definitions import read_definition
from nianbao.core.schemas import package_resources
from nianbao.core.templates import template, template_for_year
from nianbao.core.textfiles import dump_json, write_csv

YEARS = (2019, 2020, 2021, 2022, 2023)
LEVELS = ("中央", "省级", "地市级", "县级", "乡镇级")
PARAGRAPH = (
    "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "围绕重点领域信息公开、政策解读、回应关切和平台建设开展工作，依法保障人民群众的知情权、参与权、表达权和监督权。"
    "全年通过政府网站、政务新媒体等渠道主动公开政府信息，依法办理政府信息公开申请，未发生因政府信息公开引发的行政复议纠错。"
)


def _s3(
    tmpl_id: str, rng: random.Random, carried_over: list[int], blank_totals: bool
) -> tuple[list[list[str]], list[int]]:
    table = template(tmpl_id).table("s3")
    results = table.row_sets["results"]
    applicants = table.column_sets["applicants"]
    values: dict[str, list[int]] = {r.id: [0] * len(applicants) for r in table.rows if not r.optional}
    for c in range(len(applicants)):
        scale = 40 if c == 0 else 3
        for r in results:
            values[r][c] = rng.randrange(scale) if rng.random() < 0.5 else 0
        values["total_processed"][c] = sum(values[r][c] for r in results)
        values["carried_forward"][c] = rng.randrange(3)
        values["carried_over"][c] = carried_over[c]
        values["new_received"][c] = max(
            values["total_processed"][c] + values["carried_forward"][c] - carried_over[c], 0
        )
        # keep R1 exact when the previous year's carry-over exceeds this year's work
        values["total_processed"][c] = values["new_received"][c] + carried_over[c] - values["carried_forward"][c]
        if values["total_processed"][c] != sum(values[r][c] for r in results):
            values[results[0]][c] += values["total_processed"][c] - sum(values[r][c] for r in results)
    rows = [list(table.header)]
    keep = {"new_received", "carried_over", "total_processed", "carried_forward"}
    for row in table.rows:
        if row.optional:
            continue
        v = values[row.id]
        total = "" if blank_totals and row.id not in keep else str(sum(v))
        rows.append([row.id, row.label, *map(str, v), total])
    return rows, values["carried_forward"]


ROOT = Path(__file__).resolve().parent.parent


def _chain() -> dict[str, list[str]]:
    """A character model (two characters → the next) of the narratives in data/, so that synthetic text has the
    variety of real Chinese (its bigrams, their frequencies) without copying any report. Read-only."""
    follow: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "reports").glob("*/*/narrative.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip().lstrip("#").strip()
            for i in range(len(text) - 2):
                follow.setdefault(text[i : i + 2], []).append(text[i + 2])
    return follow


def _text(rng: random.Random, follow: dict[str, list[str]], starts: list[str], length: int) -> str:
    out = rng.choice(starts)
    while len(out) < length:
        nxt = follow.get(out[-2:])
        out += rng.choice(nxt) if nxt else "。" + rng.choice(starts)
    return out + "。"


def generate(target: Path, count: int, seed: int = 2019) -> None:
    rng = random.Random(seed)
    follow = _chain()
    starts = sorted(follow) or ["本年"]
    agencies = -(-count // len(YEARS))
    registry = [[f["name"] for f in read_definition("agencies.schema.json")["fields"]]]
    made = 0
    for a in range(agencies):
        agency = f"synthetic-{a:05d}"
        level = LEVELS[a % len(LEVELS)]
        registry.append([agency, f"合成测试机构{a:05d}", level, "合成省", f"合成市{a % 50}", "", "", ""])
        carried = [0] * 6
        in_force = {"regulations": rng.randrange(20), "admin_normative_docs": rng.randrange(80)}
        items = {
            k: rng.randrange(200)
            for k in ("admin_license", "other_external_services", "admin_penalty", "admin_coercion", "admin_fees")
        }
        for year in YEARS:
            if made == count:
                break
            made += 1
            tmpl = template_for_year(year)
            assert tmpl is not None
            folder = target / "reports" / agency / str(year)
            folder.mkdir(parents=True, exist_ok=True)
            tables: dict[str, list[list[str]]] = {}
            s3, carried = _s3(tmpl.id, rng, carried, blank_totals=rng.random() < 0.2)
            tables["s3"] = s3
            s4 = template(tmpl.id).table("s4")
            v4 = []
            for _group in range(3):
                parts = [rng.randrange(3) for _ in range(4)]
                v4 += [*parts, sum(parts)]
            tables["s4"] = [list(s4.header), ["cases", "", *map(str, v4)]]
            for t in tmpl.tables:
                if t.id in tables:
                    continue
                rows = [list(t.header)]
                for r in t.rows:
                    if t.id == "s2_a20_1" and tmpl.id == "V2021":
                        issued = rng.randrange(5)
                        repealed = min(rng.randrange(3), in_force[r.id] + issued)
                        in_force[r.id] += issued - repealed
                        vals = [issued, repealed, in_force[r.id]]
                    elif t.id == "s2_a20_1":
                        new = rng.randrange(10)
                        vals = [new, new, new + rng.randrange(50)]
                    elif tmpl.id == "V2019" and t.id in {"s2_a20_5", "s2_a20_6", "s2_a20_8"}:
                        change = rng.randrange(-5, 6)
                        prev = items[r.id]
                        items[r.id] = max(prev + change, 0)
                        change = items[r.id] - prev
                        vals = [prev, change, rng.randrange(500)][: len(t.columns)]
                    elif t.id == "s2_a20_8":
                        vals = [round(rng.random() * 10000, 4)]
                    elif t.id == "s2_a20_9":
                        vals = [rng.randrange(50), round(rng.random() * 1e7, 2)]
                    else:
                        vals = [rng.randrange(5000) for _ in t.columns]
                    rows.append([r.id, r.label, *map(str, vals)])
                tables[t.id] = rows
            for name, rows in tables.items():
                (folder / f"{name}.csv").write_text(write_csv(rows), encoding="utf-8")
            (folder / "notes.csv").write_text("table,row,column,note\n", encoding="utf-8")
            body = "\n\n".join(
                [PARAGRAPH, *(_text(rng, follow, starts, rng.randrange(150, 600)) for _ in range(rng.randrange(2, 6)))]
            )
            problems = _text(rng, follow, starts, rng.randrange(100, 400))
            narrative = f"## 一、总体情况\n\n{year}年，合成测试机构{a:05d}依法公开政府信息。\n\n{body}\n\n## 五、存在的主要问题及改进情况\n\n{problems}\n\n## 六、其他需要报告的事项\n\n无。\n"
            (folder / "narrative.md").write_text(narrative, encoding="utf-8")
            resources = package_resources(tmpl)
            descriptor = {
                "name": f"{agency}-{year}",
                "title": f"合成测试机构{a:05d}{year}年政府信息公开工作年度报告",
                "description": "合成数据，仅用于性能测试，不是真实报告。",
                "agency": agency,
                "year": year,
                "template": tmpl.id,
                "published": f"{year + 1}-01-{rng.randrange(10, 31)}",
                "terms": "合成数据，仅用于性能测试。",
                "resources": resources,
            }
            (folder / "datapackage.json").write_text(dump_json(descriptor), encoding="utf-8")
    (target / "agencies.csv").write_text(write_csv(registry), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description="生成合成年报数据包（仅用于性能测试，不得放入 data/）")
    parser.add_argument("target", type=Path)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    if (args.target / "reports").exists() or args.target.resolve().name == "data":
        print(f"错误：{args.target} 已有数据或是 data/：合成数据只写入新的空目录", file=sys.stderr)
        return 2
    generate(args.target, args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
