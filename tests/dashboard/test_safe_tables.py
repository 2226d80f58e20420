"""Every table the dashboard shows is safe to download: Streamlit's table toolbar exports the cells as
shown, so the pages show tables only through ``components.safe_dataframe`` (formulas neutralised)."""

from __future__ import annotations

import ast

import pandas as pd

from dashboard.components import safe_dataframe
from tests.dashboard.conftest import DASHBOARD


def test_pages_show_tables_only_through_safe_dataframe():
    offenders = []
    for path in sorted(DASHBOARD.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            widget = node.func.attr in ("dataframe", "data_editor")  # st.dataframe, a column's .dataframe
            widget |= (
                node.func.attr == "table"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "st"
            )
            if widget and path.name != "components.py":
                offenders.append(f"{path.relative_to(DASHBOARD)}:{node.lineno} .{node.func.attr}")
    assert not offenders


def test_safe_dataframe_shows_neutralised_cells(monkeypatch):
    import streamlit as st

    shown = {}
    monkeypatch.setattr(st, "dataframe", lambda data, **kw: shown.setdefault("data", data))
    safe_dataframe(
        pd.DataFrame({"value": ["=cmd|' /C calc'!A0", "-1.5", "@SUM(A1)", "ok"], "n": [1, 2, 3, 4]})
    )
    assert shown["data"]["value"].tolist() == ["'=cmd|' /C calc'!A0", "-1.5", "'@SUM(A1)", "ok"]
    assert shown["data"]["n"].tolist() == [1, 2, 3, 4]
