"""The decision letter of a logged decision: its text, extracted from the PDF, in both languages."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

import core
from core import DEMO_BUNDLE_DIR, ScoringService, load_bundle
from core.serving.letter import MAX_REASONS, decision_letter, letter_filename, letter_for, principal_reasons
from core.serving.recourse import RecourseFinder, option_sentence
from core.store import Actor, DecisionDesk, Store

pytestmark = pytest.mark.skipif(not (DEMO_BUNDLE_DIR / "model.cbm").exists(), reason="no demo bundle")


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _flat(s: str) -> str:
    return " ".join(s.replace("\u202f", " ").split())


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """A refused decision with recourse and an accepted one, logged in a real store."""
    bundle = load_bundle(DEMO_BUNDLE_DIR)
    service = ScoringService(bundle)
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('letter') / 's.sqlite'}")
    desk = DecisionDesk(service, store)
    finder = RecourseFinder(service)
    refused = accepted = None
    for client_id in service.known_ids()[:60]:
        record = service.record_of(client_id)
        decision = service.score(record, explain=False).decision
        if decision == "ACCEPTED" and accepted is None:
            accepted = desk.decide(record, channel="dashboard", actor=Actor("Alice", True), recourse=True)
        if decision == "REFUSED" and refused is None and finder.find(record).status == "found":
            refused = desk.decide(record, channel="dashboard", actor=Actor("Alice", True), recourse=True)
        if refused and accepted:
            break
    yield bundle, store, refused, accepted
    store.close()


def test_refusal_letter_states_decision_reasons_recourse_review_date_model_and_id(logged):
    bundle, store, refused, _ = logged
    record = store.log.get(refused.logged.decision_id)
    assert record.recourse and all("recourse" not in r for r in record.reasons)
    for lang, words in (
        ("fr", ("demande refusée", "principales raisons", "Ce qui pourrait changer", "réexamen", "2026")),
        ("en", ("application refused", "principal reasons", "What could change", "human review", "2026")),
    ):
        text = text_of(decision_letter(record, lang=lang, schema=bundle.schema))
        for w in words:
            assert w in text, (lang, w)
        assert record.decision_id in text and bundle.version in text
        reasons = principal_reasons(record, "REFUSED")
        assert [r.feature for r in reasons] == [r.feature for r in refused.result.toward_default][
            :MAX_REASONS
        ]
        for r in reasons:
            assert _flat(core.reason_sentence(r, lang, bundle.schema)) in _flat(text)
        for option in record.recourse:
            assert _flat(option_sentence(option["changes"], lang, bundle.schema)) in _flat(text)
        assert letter_filename(record, lang).endswith(f"-{lang}.pdf")


def test_acceptance_letter_and_the_override_that_changes_it(logged):
    bundle, store, _, accepted = logged
    record = store.log.get(accepted.logged.decision_id)
    en = text_of(decision_letter(record, lang="en", schema=bundle.schema))
    assert "application accepted" in en and "What could change" not in en
    # nothing to contest in an acceptance: where to ask a question instead
    assert "human review" not in en and "contest" not in en
    assert "For any question about your credit" in " ".join(en.split()) and record.decision_id in en
    store.log.override(
        record.decision_id, decision="REFUSED", reason="income not proven", actor=Actor("Bob", True),
        channel="dashboard",
    )  # fmt: skip
    fr = text_of(letter_for(store.log, store.log.get(record.decision_id), lang="fr", schema=bundle.schema))
    assert "demande refusée" in fr and "conseiller" in fr and record.decision_id in fr
    assert "réexamen" in fr and "contester" in " ".join(fr.split())  # the refusal keeps the right to contest


def test_no_letter_for_a_refused_input(logged):
    _, store, _, _ = logged
    with pytest.raises(core.RecordValidationError):
        DecisionDesk(ScoringService(load_bundle(DEMO_BUNDLE_DIR)), store).decide(
            {"AMT_CREDIT": -1}, channel="api", actor=Actor("api", False)
        )
    bad = store.log.records(limit=1, kind="refused_input")[0]
    with pytest.raises(ValueError, match="not a model decision"):
        decision_letter(bad, lang="en")
