"""Property-based fuzzing: no generated request ever gets a 5xx or a stack trace."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_5xx_on_mutated_records(client, record, data):
    mutated = dict(record)
    for key in data.draw(st.lists(st.sampled_from(sorted(record)), max_size=4, unique=True)):
        action = data.draw(st.sampled_from(["drop", "replace"]))
        if action == "drop":
            mutated.pop(key)
        else:
            mutated[key] = data.draw(json_values)
    if data.draw(st.booleans()):
        mutated[data.draw(st.text(min_size=1, max_size=10))] = data.draw(json_scalars)
    path = data.draw(st.sampled_from(["/predict", "/explain", "/predict/batch"]))
    body = {"clients": [mutated]} if path == "/predict/batch" else mutated
    import json

    res = client.post(
        path, content=json.dumps(body, allow_nan=True), headers={"content-type": "application/json"}
    )
    assert res.status_code < 500, res.text
    assert "Traceback" not in res.text
    if res.status_code == 422:
        assert all(d["field"] and d["problem"] for d in res.json()["detail"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=200)
    | json_values.map(lambda v: __import__("json").dumps(v, allow_nan=True).encode())
)
def test_no_5xx_on_arbitrary_bodies(client, body):
    for path in ("/predict", "/predict/batch", "/explain"):
        res = client.post(path, content=body, headers={"content-type": "application/json"})
        assert res.status_code < 500, res.text
