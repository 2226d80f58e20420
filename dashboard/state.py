"""Session-state keys and their defaults, in one place, so each page runs alone."""

from __future__ import annotations

from typing import Any

import streamlit as st

LANG = "lang"
FORM_PREFIX = "form__"  # widget keys of the scoring form: FORM_PREFIX + feature name
LOOKUP_ID = "lookup_id"
LAST_EXPLANATION = "last_explanation"
LAST_ERRORS = "last_errors"
BATCH_RESULT = "batch_result"
BATCH_FILE = "batch_file_digest"
THRESHOLD = "threshold_value"
COST_FN = "cost_fn"
COST_FP = "cost_fp"

DEFAULTS: dict[str, Any] = {
    LANG: "fr",
    LOOKUP_ID: None,
    LAST_EXPLANATION: None,
    LAST_ERRORS: None,
    BATCH_RESULT: None,
    BATCH_FILE: None,
}


def init_state() -> None:
    """Set every default that is not set yet."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def lang() -> str:
    """The interface language ('fr' or 'en')."""
    init_state()
    return str(st.session_state[LANG])
