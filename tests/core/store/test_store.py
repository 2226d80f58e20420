"""The store on both engines: migrations, load, look-up, parity of the stored aggregates with training."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.data.synthetic import generate, write_synthetic
from core.features.build import build_features, history_table
from core.store import Store, StoreError, load_store, safe_url
from core.store.tables import metadata


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate(120, 5)


def test_migrated_schema_matches_the_tables_the_code_uses(db_url):
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []
    assert store.revision() == "0003"
    Store.open(db_url)  # migrating again is a no-op
    assert store.revision() == "0003"


def test_load_then_reload_is_idempotent_and_lookups_are_exact(db_url, tables):
    store = Store.open(db_url)
    first = load_store(store.engine, tables, progress=False, chunk_rows=50)
    app = pd.concat([tables["application_train"], tables["application_test"]])
    assert first.counts["application"] == len(app)
    assert first.counts["bureau_balance"] == len(tables["bureau_balance"])
    assert first.counts["client_features"] == len(app)
    client = int(tables["application_test"]["SK_ID_CURR"].iloc[3])
    before = store.clients.aggregates(client, ["BUREAU_COUNT", "PREV_COUNT"])
    second = load_store(store.engine, tables, progress=False)
    assert second.counts == first.counts
    assert store.clients.count() == len(app)
    assert store.clients.aggregates(client, ["BUREAU_COUNT", "PREV_COUNT"]) == before
    # the application comes back exactly as loaded: ints as ints, the same doubles, None for missing
    row = app.set_index("SK_ID_CURR").loc[client]
    got = store.clients.application(client)
    assert got["SK_ID_CURR"] == client and isinstance(got["SK_ID_CURR"], int)
    for name, value in row.items():
        if name == "TARGET":
            continue
        if value is None or (isinstance(value, float) and math.isnan(value)):
            assert got[name] is None, name
        else:
            assert got[name] == value, name
    assert isinstance(got["DAYS_BIRTH"], int)
    assert store.clients.application(123) is None
    assert store.clients.contains(client) and not store.clients.contains(1)


def test_search_autocompletes_ids(db_url, tables):
    store = Store.open(db_url)
    load_store(store.engine, tables, progress=False)
    ids = store.clients.search("9000000", 5)
    assert ids == sorted(ids) and len(ids) == 5 and all(str(i).startswith("9000000") for i in ids)
    assert store.clients.search("abc") == []
    assert store.clients.search("1") == []


def test_stored_aggregates_equal_the_training_features(tmp_path, tables):
    """The store holds what training computes: the same function on the same files, bit for bit."""
    folder = tmp_path / "data"
    write_synthetic(folder, 150, 9)
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    load_store(store.engine, folder, progress=False)
    train = build_features(folder).set_index("SK_ID_CURR")
    names = [c for c in history_table(folder, pl.Series("SK_ID_CURR", [0])).columns if c != "SK_ID_CURR"]
    ids = train.index[:40].tolist()
    values, known = store.history.lookup(ids, names)
    assert known.all()
    expected = train.loc[ids, names].astype(float).to_numpy()
    np.testing.assert_array_equal(values.to_numpy(), expected)
    one = store.history.lookup_one(ids[0], names)
    np.testing.assert_array_equal(np.asarray(one), expected[0])
    assert store.history.lookup_one(5, names) is None
    values, known = store.history.lookup([ids[0], None, 7], names[:3])
    assert known.tolist() == [True, False, False] and values.iloc[1:].isna().all().all()


def test_history_tables_of_a_client(db_url, tables):
    store = Store.open(db_url)
    load_store(store.engine, tables, progress=False)
    prev = tables["previous_application"]
    client = int(prev["SK_ID_CURR"].value_counts().index[0])
    hist = store.clients.history(client)
    assert len(hist.previous) == int((prev["SK_ID_CURR"] == client).sum())
    assert set(hist.previous["NAME_CONTRACT_STATUS"]) <= set(prev["NAME_CONTRACT_STATUS"])
    inst = tables["installments_payments"]
    mine = inst[inst["SK_ID_CURR"] == client]
    assert int(hist.payments["instalments"].sum()) == len(mine)
    late = int((mine["DAYS_ENTRY_PAYMENT"] > mine["DAYS_INSTALMENT"]).sum())
    assert int(hist.payments["late"].sum()) == late
    summary = store.clients.history_summary(client)
    assert summary is not None and summary["PREV_COUNT"] == len(hist.previous)
    empty = store.clients.history(1)
    assert empty.empty and list(empty.previous.columns)


def test_a_bad_url_is_a_clear_error_without_the_password():
    with pytest.raises(StoreError) as err:
        Store.open("postgresql+psycopg://bob:s3cret-pw@127.0.0.1:1/none")
    assert "s3cret-pw" not in str(err.value) and "***" in str(err.value)
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("not a url")
    assert safe_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


def test_a_load_of_a_missing_folder_names_it(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    with pytest.raises(ValueError, match="does not exist"):
        load_store(store.engine, tmp_path / "nope", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no application_train"):
        load_store(store.engine, tmp_path / "empty", progress=False)


def test_head_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    from core.store.store import HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD
