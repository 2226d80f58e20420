"""The fairness audit: ratios and rates equal the hand-computed values of a small table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core import DEMO_BUNDLE_DIR, load_bundle
from core.cli import main
from core.monitoring.fairness import (
    AGE_BAND,
    age_band,
    fairness_audit,
    logged_population,
    sensitive_inputs,
    validation_population,
)

# 10 women, 10 men; threshold 0.5: refused when probability >= 0.5
#   women: 8 accepted (2 of them default), 2 refused (1 defaults)
#   men:   5 accepted (1 defaults),        5 refused (3 default)
SMALL = pd.DataFrame(
    {
        "CODE_GENDER": ["F"] * 10 + ["M"] * 10,
        "probability": [0.1] * 6 + [0.2, 0.3] + [0.7, 0.8] + [0.1] * 4 + [0.3] + [0.6, 0.7, 0.8, 0.9, 0.95],
        "TARGET": [0] * 6 + [1, 1] + [1, 0] + [0] * 4 + [1] + [1, 1, 1, 0, 0],
        "DAYS_BIRTH": [-365.25 * a for a in [22, 30, 40, 50, 60] * 4],
    }
)


def test_ratios_and_rates_by_gender_are_the_hand_computed_values():
    audit = fairness_audit(SMALL, "CODE_GENDER", threshold=0.5, n_boot=50)
    table = audit.table.set_index("group")
    assert table.loc["F", "count"] == 10 and table.loc["M", "count"] == 10
    assert table.loc["F", "acceptance_rate"] == pytest.approx(0.8)
    assert table.loc["M", "acceptance_rate"] == pytest.approx(0.5)
    assert table.loc["F", "approval_ratio"] == pytest.approx(1.0)
    assert table.loc["M", "approval_ratio"] == pytest.approx(0.5 / 0.8)  # 0.625: below four fifths
    assert audit.min_ratio == pytest.approx(0.625) and audit.flagged == ["M"] and audit.best_group == "F"
    assert table.loc["F", "default_rate"] == pytest.approx(0.3) and table.loc[
        "M", "default_rate"
    ] == pytest.approx(0.4)
    # TPR: defaulters refused / defaulters; FPR: good clients refused / good clients
    assert table.loc["F", "tpr"] == pytest.approx(1 / 3) and table.loc["F", "fpr"] == pytest.approx(1 / 7)
    assert table.loc["M", "tpr"] == pytest.approx(3 / 4) and table.loc["M", "fpr"] == pytest.approx(2 / 6)
    for name in ("acceptance_rate", "approval_ratio", "default_rate", "tpr", "fpr"):
        assert (table[f"{name}_low"] <= table[name] + 1e-12).all() and (
            table[name] <= table[f"{name}_high"] + 1e-12
        ).all()
    assert table["small"].all()  # 10 clients per group: ratios marked as unreliable


def test_the_bootstrap_is_seeded_and_narrows_with_more_clients():
    a = fairness_audit(SMALL, "CODE_GENDER", threshold=0.5, n_boot=100, seed=1)
    b = fairness_audit(SMALL, "CODE_GENDER", threshold=0.5, n_boot=100, seed=1)
    pd.testing.assert_frame_equal(a.table, b.table)
    big = fairness_audit(pd.concat([SMALL] * 20, ignore_index=True), "CODE_GENDER", threshold=0.5, n_boot=100)
    width = lambda t: (t["acceptance_rate_high"] - t["acceptance_rate_low"]).to_numpy()  # noqa: E731
    assert (width(big.table) < width(a.table)).all()
    assert big.table["approval_ratio"].tolist() == pytest.approx(a.table["approval_ratio"].tolist())


def test_age_bands_and_acceptance_only_populations():
    assert age_band(pd.Series([-365.25 * 24.9, "-9200", None, -365.25 * 70])).tolist() == [
        "< 25", "25-34", "(missing)", "55+",
    ]  # fmt: skip
    decided = SMALL.drop(columns=["TARGET", "probability"]).assign(accepted=SMALL["probability"] < 0.5)
    audit = fairness_audit(decided, AGE_BAND, n_boot=20)
    assert not audit.labelled and "tpr" not in audit.table.columns
    assert audit.table["group"].tolist() == ["< 25", "25-34", "35-44", "45-54", "55+"]
    t = audit.table.set_index("group")
    # each band holds 2 women and 2 men: < 25 -> probabilities 0.1, 0.1 (F) 0.1, 0.7 (M): 3 of 4 accepted
    assert t.loc["< 25", "acceptance_rate"] == pytest.approx(np.mean(SMALL["probability"][::5] < 0.5))
    with pytest.raises(ValueError, match="attribute='NOPE'"):
        fairness_audit(decided, "NOPE")


@pytest.fixture(scope="module")
def demo_bundle_loaded():
    return load_bundle(DEMO_BUNDLE_DIR)


def test_the_demo_bundle_is_audited_on_its_validation_clients(demo_bundle_loaded):
    population = validation_population(demo_bundle_loaded)
    assert {"probability", "TARGET", "CODE_GENDER", "DAYS_BIRTH"} <= set(population.columns)
    audit = fairness_audit(population, "CODE_GENDER", threshold=demo_bundle_loaded.threshold, n_boot=20)
    assert audit.labelled and set(audit.table["group"]) <= {"F", "M", "XNA"}
    used = {s["field"]: s["used"] for s in sensitive_inputs(demo_bundle_loaded.schema)}
    assert used["CODE_GENDER"] == "direct" and used["DAYS_BIRTH"] == "direct"


def test_logged_decisions_are_audited_on_acceptance(app_bundle, tmp_path):
    import core
    from core.store import Actor, DecisionDesk, Store

    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    desk = DecisionDesk(core.ScoringService(app_bundle, history=store.history), store)
    record = desk.service.example_record()
    for gender in ("F", "F", "M"):
        desk.decide({**record, "CODE_GENDER": gender}, channel="api", actor=Actor("o", False))
    population = logged_population(store.log)
    assert population["CODE_GENDER"].tolist().count("F") == 2
    audit = fairness_audit(population, "CODE_GENDER", n_boot=10)
    assert audit.table["count"].sum() == 3 and not audit.labelled


def test_pad_fairness_prints_and_writes_the_audit(tmp_path, capsys):
    out = tmp_path / "audit.json"
    sample = "examples/labelled_sample.csv"
    code = main(["fairness", "--labelled", sample, "--by", "CODE_GENDER", "--boot", "20", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0 and "CODE_GENDER" in printed and "approval-rate ratio" in printed
    audit = json.loads(out.read_text())
    assert audit[0]["attribute"] == "CODE_GENDER" and audit[0]["labelled"]
    assert {g["group"] for g in audit[0]["groups"]} <= {"F", "M", "XNA"}
    assert main(["fairness", "--by", "AGE_BAND", "--boot", "10", "--out", str(tmp_path / "a.csv")]) == 0
    assert "approval_ratio" in (tmp_path / "a.csv").read_text().splitlines()[0]
    assert main(["fairness", "--labelled", "missing.csv"]) == 2
    assert "does not exist" in capsys.readouterr().err
