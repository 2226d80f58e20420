"""Recourse on the demo bundle: every option flips the real model, respects the bounds, and options
differ in the fields they change."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core import DEMO_BUNDLE_DIR, ScoringService, load_bundle
from core.serving.recourse import (
    AMOUNTS,
    ANNUITY,
    CREDIT,
    GOODS,
    RecourseFinder,
    apply,
    none_sentence,
    option_sentence,
)
from core.serving.schema import to_model_frame

pytestmark = pytest.mark.skipif(not (DEMO_BUNDLE_DIR / "model.cbm").exists(), reason="no demo bundle")


@pytest.fixture(scope="module")
def demo():
    bundle = load_bundle(DEMO_BUNDLE_DIR)
    service = ScoringService(bundle)
    return service, RecourseFinder(service)


@pytest.fixture(scope="module")
def refused(demo):
    """Refused reference clients and what the search found for each."""
    service, finder = demo
    out = []
    for client_id in service.known_ids()[:80]:
        record = service.record_of(client_id)
        if service.score(record, explain=False).decision == "REFUSED":
            out.append((record, finder.find(record)))
        if len(out) == 8:
            break
    assert len(out) == 8
    return out


def test_the_search_acts_only_on_amounts_the_client_can_act_on(demo):
    service, finder = demo
    assert finder.fields == (CREDIT, ANNUITY, GOODS)
    for name in finder.fields:
        assert service.schema.get(name).info.actionable
    for name in ("DAYS_BIRTH", "CODE_GENDER", "CNT_FAM_MEMBERS", "CNT_CHILDREN"):
        assert not service.schema.get(name).info.actionable


def test_every_option_flips_the_real_model_within_the_bounds(demo, refused):
    service, finder = demo
    rules = finder.rules
    found = [r for _, r in refused if r.status == "found"]
    assert found, "the demo bundle has refused clients with recourse"
    for record, result in refused:
        assert result.status in ("found", "none")
        assert len(result.options) <= 3
        assert len({o.fields for o in result.options}) == len(result.options)  # differ in the fields changed
        for option in result.options:
            changed = apply(record, option.changes)
            assert {k for k in record if changed[k] != record[k]} == set(option.fields) <= set(AMOUNTS)
            check = service.score(changed, explain=False)
            assert check.decision == "ACCEPTED" and check.probability < check.threshold - finder.margin
            assert check.probability == option.probability
            assert not check.warnings  # no value outside what training saw
            credit, annuity = changed[CREDIT], changed[ANNUITY]
            lo, hi = rules.term
            term_now = record[CREDIT] / record[ANNUITY]
            assert min(lo, term_now) <= credit / annuity <= max(hi, term_now)
            if changed.get(GOODS) is not None:
                assert changed[GOODS] <= credit
            for c in option.changes:
                lo, hi = rules.amounts[c.field]
                assert lo <= c.proposed <= hi
                assert c.proposed <= c.current or c.field == ANNUITY  # borrow less, buy cheaper
            expected = sum(abs(c.proposed - c.current) / c.current for c in option.changes)
            assert option.distance == pytest.approx(expected)
        dists = [o.distance for o in result.options]
        assert dists == sorted(dists)


def test_a_family_is_dropped_when_a_subset_of_its_fields_is_as_near(refused):
    for _, result in refused:
        for a in result.options:
            for b in result.options:
                if set(a.fields) < set(b.fields):
                    assert a.distance > b.distance


def test_candidates_features_are_those_of_the_scoring_path(demo, refused):
    """The batched candidate rows (derived features recomputed by the training code) give the model
    exactly the probability the validated one-record path gives."""
    service, finder = demo
    record, result = next((rec, r) for rec, r in refused if r.options)
    option = result.options[0]
    base = service.score(record, explain=False)
    amounts = np.array([[record[CREDIT], record[ANNUITY], record.get(GOODS) or math.nan]])
    for c in option.changes:
        amounts[0, AMOUNTS.index(c.field)] = c.proposed
    frame = finder._features(amounts, record, to_model_frame(pd.DataFrame([base.features]), service.schema))
    assert service.probabilities(frame)[0] == pytest.approx(option.probability, abs=1e-12)
    one = service.score(apply(record, option.changes), explain=False).features
    for name in ("CREDIT_TERM_RATIO", "GOODS_CREDIT_RATIO", "ANNUITY_INCOME_RATIO", "CREDIT_INCOME_RATIO"):
        if name in frame.columns:
            assert frame[name].iloc[0] == one[name]


def test_accepted_application_needs_no_recourse(demo):
    service, finder = demo
    for client_id in service.known_ids()[:40]:
        record = service.record_of(client_id)
        if service.score(record, explain=False).decision == "ACCEPTED":
            result = finder.find(record)
            assert result.status == "not_refused" and result.options == ()
            return
    pytest.fail("no accepted client among the first 40")


def test_nothing_flips_it_says_so(demo, refused):
    service, finder = demo
    record = refused[0][0]
    saved = service.bundle.threshold
    try:
        service.bundle.threshold = 1e-6  # no application can be accepted at this threshold
        result = finder.find(record)
    finally:
        service.bundle.threshold = saved
    assert result.status == "none" and result.options == () and result.candidates > 100
    assert "Aucune modification" in none_sentence("fr") and "No change" in none_sentence("en")


def test_option_sentences_in_both_languages(refused):
    option = next(o for _, r in refused for o in r.options)
    fr, en = option_sentence(option.changes, "fr"), option_sentence(option.changes, "en")
    assert fr.startswith("Avec ") and fr.endswith("la demande serait acceptée.") and "au lieu de" in fr
    assert en.startswith("With ") and en.endswith("the application would be accepted.") and "instead of" in en
    logged = option.record()["changes"]
    assert option_sentence(logged, "en") == en  # the logged form reads the same


def test_feature_bundle_has_no_recourse(toy_bundle, toy_record):
    result = RecourseFinder(ScoringService(toy_bundle)).find(toy_record)
    assert result.status == "not_applicable" and result.options == ()


def test_options_keep_a_margin_under_the_threshold(demo, refused):
    """With a margin, no option sits within it of the threshold; a wider margin never finds an option
    closer to the threshold than itself, and options need more change, not less."""
    service, finder = demo
    assert finder.margin == pytest.approx(0.005)
    wide = RecourseFinder(service, margin=0.02)
    tight = RecourseFinder(service, margin=0.0)
    for record, _ in refused[:4]:
        w, t = wide.find(record), tight.find(record)
        for option in w.options:
            assert option.probability < w.threshold - 0.02
        for option in t.options:
            assert option.probability < t.threshold
        if w.options and t.options:
            assert min(o.distance for o in w.options) >= min(o.distance for o in t.options) - 1e-9


@pytest.mark.parametrize("margin", [-0.01, 1.0, 1.5])
def test_a_margin_that_is_not_a_probability_is_refused(demo, margin):
    service, _ = demo
    with pytest.raises(ValueError, match="recourse margin"):
        RecourseFinder(service, margin=margin)
