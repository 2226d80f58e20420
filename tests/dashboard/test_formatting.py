"""Local number writing, texts in both languages."""

from __future__ import annotations

import json
import string

import pytest

from dashboard import i18n


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", ("5\u202f425", "0,678", "3,7\u202f%", "13\u202f%")), ("en", ("5,425", "0.678", "3.7%", "13%"))],
)
def test_numbers_are_written_the_local_way(monkeypatch, lang, expected):
    monkeypatch.setattr(i18n, "lang", lambda: lang)
    assert (i18n.num(5425), i18n.num(0.6781, 3), i18n.pct(0.0371), i18n.pct(0.131, 0)) == expected


def test_t_or_falls_back_to_the_given_text(monkeypatch):
    monkeypatch.setattr(i18n, "lang", lambda: "fr")
    assert i18n.t_or("bench_recall", "recall") == "Rappel"
    assert i18n.t_or("bench_unknown_column", "unknown_column") == "unknown_column"


def test_locales_have_the_same_keys_and_placeholders():
    fr, en = i18n._texts("fr"), i18n._texts("en")
    assert set(fr) == set(en)
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    assert [k for k in fr if fields(fr[k]) != fields(en[k])] == []
    assert [k for k in fr if fr[k] == "" or en[k] == ""] == []


def test_every_text_the_code_asks_for_exists():
    """Every literal key passed to t() in dashboard/ is in the locales (a missing key shows as its name)."""
    import re

    from tests.dashboard.conftest import DASHBOARD

    known = set(json.loads((DASHBOARD / "locales" / "fr.json").read_text(encoding="utf-8")))
    asked = set()
    for path in DASHBOARD.rglob("*.py"):
        asked |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    assert sorted(asked - known) == []


def test_every_form_section_has_a_heading_in_both_languages():
    from dashboard.forms import SECTION_ORDER

    for code in ("fr", "en"):
        texts = i18n._texts(code)
        assert [s for s in SECTION_ORDER if f"section_{s}" not in texts] == []


@pytest.mark.parametrize(("lang", "separators"), [("fr", ",\u202f"), ("en", ".,")])
def test_charts_are_drawn_with_the_languages_number_separators(monkeypatch, lang, separators):
    """Every chart goes through ``show_chart``, which gives plotly the language's separators (a
    French axis reads 0,25 and 10 000)."""
    import plotly.graph_objects as go

    from dashboard import components

    monkeypatch.setattr(components, "lang", lambda: lang)
    drawn = []

    class Column:
        def plotly_chart(self, fig, **kwargs):
            drawn.append((fig, kwargs))

    fig = go.Figure(go.Bar(x=[0.25, 0.5], y=[12_000, 3]))
    components.show_chart(fig, where=Column(), width="stretch")
    assert drawn == [(fig, {"width": "stretch"})] and fig.layout.separators == separators


def test_no_page_draws_a_chart_around_show_chart():
    from tests.conftest import REPO

    direct = [
        f"{path.name}:{n}"
        for path in sorted((REPO / "dashboard" / "views").glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "plotly_chart(" in line
    ]
    assert not direct, f"draw charts with dashboard.components.show_chart: {direct}"


def test_counts_in_texts_are_written_the_local_way_and_ids_never(monkeypatch):
    monkeypatch.setattr(i18n, "lang", lambda: "fr")
    assert "2\u202f000 clients" in i18n.t("insights_intro", n=2000)
    assert "1\u202f913 FP" in i18n.t("cost_formula", fn="10", fp="1", n_fn=184, n_fp=1913, total="3\u202f753")
    # an id is shown as it is, whatever its size (a score on the wrong id is the worst error)
    text = i18n.t("override_done", decision="REFUSÉ", model="ACCORDÉ", who="x", when="y", id=100_002)
    assert "100002" in text and "100\u202f002" not in text
    assert i18n.t("insights_intro", n=True).count("True") == 1  # a flag is not a count
