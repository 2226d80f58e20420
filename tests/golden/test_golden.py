"""The scoring contract is frozen: the golden corpus gives exactly the recorded outputs through the
service, the API and the command line. A change here is made on purpose (see corpus.py)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from core import CONTRACT_VERSION, DEMO_BUNDLE_DIR, TABLE_COLUMNS, load_bundle
from tests.golden.corpus import EXPECTED, inputs, outputs, recorded_inputs, strip_latency

HOW = "regenerate with `python -m tests.golden.corpus` on purpose, and bump core.CONTRACT_VERSION if the contract changed"


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def actual(tmp_path_factory) -> dict:
    """Every channel on the recorded inputs: the corpus is data (its exact JSON values), not remade."""
    return strip_latency(outputs(work=tmp_path_factory.mktemp("golden"), records=recorded_inputs()))


def _close(made, recorded) -> bool:
    """Equal, but for the last bits of a float: numpy's vectorised exp/log differ in the last bit from
    one CPU to another (AVX-512 or not), and the generator's draws with them."""
    if isinstance(made, float) and isinstance(recorded, float):
        return made == pytest.approx(recorded, rel=1e-12, abs=1e-15)
    if isinstance(made, dict) and isinstance(recorded, dict):
        return made.keys() == recorded.keys() and all(_close(made[k], recorded[k]) for k in made)
    if isinstance(made, list) and isinstance(recorded, list):
        return len(made) == len(recorded) and all(_close(a, b) for a, b in zip(made, recorded, strict=True))
    return type(made) is type(recorded) and made == recorded


def test_the_corpus_is_still_what_its_recipe_makes(expected):
    """The recorded inputs are those :func:`inputs` makes (a change of the generator or of the recipe is
    made on purpose), to the last bits a CPU may change."""
    import core

    bundle = load_bundle(DEMO_BUNDLE_DIR)
    store = core.open_store(core.load_settings())
    made = inputs(core.ScoringService(bundle, history=store.history), store)
    assert _close(made, expected["inputs"]), "the corpus inputs changed: " + HOW
    assert not _close([1.0], [1.0 + 1e-9]) and not _close([{"a": 1}], [{"a": 1.0}])  # the check can fail


def test_corpus_matches_the_shipped_bundle_and_contract(expected):
    assert expected["contract_version"] == CONTRACT_VERSION, HOW
    assert expected["bundle_version"] == load_bundle(DEMO_BUNDLE_DIR).version, (
        f"the demo bundle changed: {HOW}"
    )


@pytest.mark.parametrize("channel", ["service", "api_predict", "api_batch", "cli"])
def test_each_channel_gives_the_recorded_outputs(expected, actual, channel):
    assert actual["inputs"] == expected["inputs"]
    assert actual[channel] == expected[channel], f"{channel} output changed: {HOW}"


def test_channels_agree_with_each_other(actual):
    """The same input gives the same values from the service, the API and the command line."""
    service, api = actual["service"], actual["api_predict"]
    for s, a in zip(service, api, strict=True):
        if "errors" in s:
            assert a["status"] == 422 and a["body"]["detail"] == s["errors"]
        else:  # the API records the decision (the service alone does not): the only difference
            assert a["status"] == 200 and a["body"]["decision_id"] == "<logged>" and s["decision_id"] is None
            assert {**a["body"], "decision_id": None} == s
    cli = pd.read_csv(
        io.StringIO(actual["cli"]["stdout"]), dtype={"SK_ID_CURR": str}, float_precision="round_trip"
    )
    batch = actual["api_batch"]["results"]
    assert list(cli.columns[: len(TABLE_COLUMNS)]) == TABLE_COLUMNS
    assert cli["SK_ID_CURR"].tolist() == [str(r["SK_ID_CURR"]) for r in batch]  # exact ids, as text
    scored = [s for s in service if "errors" not in s]
    assert (
        [r["probability"] for r in batch] == [s["probability"] for s in scored] == cli["probability"].tolist()
    )
    assert [r["decision"] for r in batch] == [s["decision"] for s in scored] == cli["decision"].tolist()
    assert "9007199254740993" in cli["SK_ID_CURR"].tolist()  # never through a float
