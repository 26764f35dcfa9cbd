"""Label matching tolerates how labels are really printed, and catches rows that moved."""

from __future__ import annotations

import pytest

from nianbao.core.labels import core, label_matches, normalise
from nianbao.core.templates import template

S3 = template("V2021").table("s3")


def test_normalise() -> None:
    assert normalise("（一）予以公开") == "(一)予以公开"
    assert normalise("1、 属于国家秘密") == "1.属于国家秘密"
    assert normalise("1．属于国家秘密") == "1.属于国家秘密"
    assert normalise("3.危及“三安全一稳定”") == '3.危及"三安全一稳定"'
    assert core("2.重复申请") == "重复申请"


@pytest.mark.parametrize(
    ("row", "printed"),
    [
        ("denied_other_law", "2.其他法律行政止公开"),  # 洪泽 2023/2024 typo
        ("denied_state_secret", "1、属于国家秘密"),  # 淮安
        ("partially_granted", "（二）部分公开（区分处理的，只计这一情 形，不\n计其他情形）"),  # PDF line break
        ("np_massive_repeat", "4.无正当理由大量反复 申请"),
        ("granted", "(一)予以公开"),
    ],
)
def test_real_variants_are_accepted(row: str, printed: str) -> None:
    assert label_matches(S3, row, printed) == (True, None)


def test_shifted_row_names_the_row_it_belongs_to() -> None:
    assert label_matches(S3, "denied_state_secret", "2.其他法律行政法规禁止公开") == (False, "denied_other_law")
    assert label_matches(S3, "np_duplicate", "3.要求提供公开出版物") == (False, "np_publication")


def test_unrelated_label_is_rejected() -> None:
    assert label_matches(S3, "granted", "合计") == (False, None)
