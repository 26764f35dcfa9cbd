"""The templates as data: ids, labels, sizes and layout of templates.md §3–5, and the schemas generated from them."""

from __future__ import annotations

import pytest
from frictionless import Schema

from nianbao.core.layout import body_label_cells, header_grid
from nianbao.core.rules import all_rules, consistency_rules, equations, formula_text
from nianbao.core.schemas import notes_schema, table_schema
from nianbao.core.templates import template, templates


def test_section_three_grid_sizes() -> None:
    # templates.md §4b: 23 data rows × 7 (161 cells) in V2019, 25 × 7 (175) in V2021.
    for tid, rows in (("V2019", 23), ("V2021", 25)):
        s3 = template(tid).table("s3")
        assert len(s3.required_row_ids) == rows
        assert len(s3.columns) == 7
        assert "subtotal" not in " ".join(s3.column_ids)  # no 法人或其他组织 小计 column


@pytest.mark.parametrize(("tid", "span"), [("V2019", 20), ("V2021", 22)])
def test_results_group_rowspan(tid: str, span: int) -> None:
    s3 = template(tid).table("s3")
    cells = body_label_cells(s3, list(s3.required_row_ids))
    group = next(c for c in cells["granted"] if c.get("group") == "results")
    assert group["text"] == "三、本年度办理结果"
    assert group["rowspan"] == span
    denied = next(c for c in cells["denied_state_secret"] if c.get("group") == "denied")
    assert (denied["text"], denied["rowspan"]) == ("（三）不予公开", 8)
    assert cells["new_received"] == [
        {"text": "一、本年新收政府信息公开申请数量", "rowspan": 1, "colspan": 3, "row": "new_received"}
    ]


def test_v2021_group_printed_as_row_widens_members() -> None:
    # 洪泽 2023: （六）其他处理 printed as one row; it is then a row, not a vertical label.
    s3 = template("V2021").table("s3")
    rows = [r.id for r in s3.rows]
    cells = body_label_cells(s3, rows)
    assert cells["other"] == [{"text": "（六）其他处理", "rowspan": 1, "colspan": 2, "row": "other"}]
    assert cells["other_other"][-1]["colspan"] == 2
    results = next(c for c in cells["granted"] if c.get("group") == "results")
    assert results["rowspan"] == 23


def test_section_three_header_layout() -> None:
    grid = header_grid(template("V2019").table("s3"))
    flat = [[(c["text"], c["colspan"], c["rowspan"]) for c in row] for row in grid]
    assert flat[0] == [
        ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
        ("申请人情况", 7, 1),
    ]
    assert flat[1] == [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)]
    assert [t for t, _, _ in flat[2]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def test_section_four_header_layout() -> None:
    grid = header_grid(template("V2021").table("s4"))
    assert [(c["text"], c["colspan"]) for c in grid[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert all(c["rowspan"] == 2 for c in grid[1] if "column" in c)  # 行政复议's leaves
    assert [(c["text"], c["colspan"]) for c in grid[1] if "group" in c] == [("未经复议直接起诉", 5), ("复议后起诉", 5)]
    assert len([c for row in grid for c in row if "column" in c]) == 15


def test_version_differences() -> None:
    # templates.md §6.
    v19, v21 = template("V2019"), template("V2021")
    assert v19.table("s2_a20_1").column_ids == ("new_made", "new_published", "total_published")
    assert v21.table("s2_a20_1").column_ids == ("issued", "repealed", "in_force")
    assert v21.table("s2_a20_1").row("admin_normative_docs").label == "行政规范性文件"
    assert "s2_a20_9" in v19.table_ids and "s2_a20_9" not in v21.table_ids
    assert v21.table("s2_a20_5").row_ids == ("admin_license",)
    assert v21.table("s2_a20_5").column("decisions").span == 3
    assert "other" in v19.table("s3").required_row_ids
    assert "other" not in v21.table("s3").required_row_ids
    assert v21.table("s3").row("other_unpaid_fee").label.startswith("2.申请人逾期未按收费通知要求缴纳费用")


@pytest.mark.parametrize("tmpl", templates(), ids=lambda t: t.id)
def test_generated_schemas_are_valid_frictionless(tmpl) -> None:
    for table in tmpl.tables:
        descriptor = table_schema(table)
        assert Schema.validate_descriptor(descriptor).valid, table.id
        fields = {f["name"]: f for f in descriptor["fields"]}
        assert [f["name"] for f in descriptor["fields"]] == list(table.header)
        for column in table.columns:
            f = fields[column.id]
            if column.id == "change":
                assert f["type"] == "integer" and "constraints" not in f  # 本年增/减 may be negative
            elif column.type == "money":
                assert f["type"] == "number" and f["constraints"] == {"minimum": 0}
            else:
                assert f["type"] == "integer" and f["constraints"] == {"minimum": 0}
            assert f["title"].endswith(column.label)
    assert Schema.validate_descriptor(notes_schema()).valid


def test_money_columns() -> None:
    assert template("V2021").table("s2_a20_8").column("fee_amount").unit == "万元"
    assert template("V2019").table("s2_a20_9").column("procurement_amount").type == "money"


def test_rules_are_defined_once_with_chinese_titles() -> None:
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))
    for rid in ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R13"):
        assert rid in ids
    for r in all_rules():
        assert r.severity in {"error", "warning"}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.title), r.id


@pytest.mark.parametrize("tmpl", templates(), ids=lambda t: t.id)
def test_rule_equations_name_template_cells(tmpl) -> None:
    cells = set(tmpl.cells())
    for r in consistency_rules():
        if tmpl.id not in r.templates:
            continue
        eqs = equations(r, tmpl)
        assert eqs, f"{r.id} has no equation in {tmpl.id}"
        for eq in eqs:
            for term in eq.terms:
                assert (term.table, term.row, term.column) in cells, (r.id, term)


def test_equation_counts() -> None:
    v19, v21 = template("V2019"), template("V2021")
    rules = {r.id: r for r in consistency_rules()}
    assert len(equations(rules["R1"], v19)) == 7
    assert len(equations(rules["R2"], v19)) == 23
    assert len(equations(rules["R2"], v21)) == 25  # the optional （六） row is not a template row
    r3 = equations(rules["R3"], v21)[0]
    assert len(r3.rhs) == 21 and r3.text == "s3.total_processed.natural_person = Σ(s3.@results.natural_person)"
    assert len(equations(rules["R3"], v19)[0].rhs) == 19  # 2 + 8 + 3 + 5 + （六）
    assert len(equations(rules["R4"], v19)) == 3


def test_one_formula_notation_for_messages_and_the_rules_page():
    r5 = next(r for r in consistency_rules() if r.id == "R5")
    assert formula_text(r5) == "s3.carried_over.{c} = 上年s3.carried_forward.{c}"
    eq = equations(r5, template("V2021"))[0]
    assert eq.text == formula_text(r5, {"c": eq.anchor.column})
