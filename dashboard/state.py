"""Session-state keys and their defaults, in one place, so each page runs alone."""

from __future__ import annotations

import contextlib
import copy
from typing import Any, Literal

import streamlit as st

LANG = "lang"
FORM_PREFIX = "form__"  # widget keys of the scoring form: see form_key
#: the scoring form's amount fields (set by the page that draws them): rewritten on a language switch
AMOUNT_FIELDS = "form_amount_fields"
#: bumped each time the form is filled by the code (a client loaded, a new application): the form's
#: widgets get new keys, so a submission the browser sent with the values it showed *before* the
#: load (a click on Score while the loaded client was on its way) cannot overwrite what was loaded
FORM_GENERATION = "form_generation"
LOOKUP_ID = "lookup_id"  # the id chosen in the look-up box (not yet loaded)
LOOKUP_TEXT = "lookup_text"  # the digits typed in the look-up box (store look-up)
LOOKUP_MISSING = "lookup_missing"  # the id the last look-up did not find (shown in a message)
OFFICER_NAME = "officer_name"  # open mode: the name the officer gives once per session
LAST_DECISION = "last_decision"  # core.DecisionRecord logged for LAST_RESULT
LAST_OVERRIDE = "last_override"  # core.DecisionRecord of the override of LAST_DECISION
OVERRIDE_REASON = "override_reason"
OVERRIDE_ERROR = "override_error"  # why the last override was not recorded
SUBMIT_PROBLEM = "submit_problem"  # why the last submission recorded nothing (no name, database error)
DETAIL_ID = "decision_detail_id"  # the decision shown in detail on the decisions page
SHOWN_IDS = "decisions_shown_ids"  # ids of the rows of the decisions table, in order
CLIENT_ID = "form_client_id"  # the client whose application the form holds (None: a new application)
LOADED_RECORD = "form_loaded_record"  # that client's record as loaded (exact values of untouched fields)
LAST_RESULT = "last_result"  # core.ScoringResult of the last submission
LAST_RECOURSE = "last_recourse"  # core.Recourse searched for LAST_RESULT (None: not searched)
LAST_ERRORS = "last_errors"  # core.FieldError list of the last submission
PREVIOUS_PROBABILITY = "previous_probability"  # the score before the last what-if change
BATCH_RESULT = "batch_result"
BATCH_FILE = "batch_file_digest"
#: SHA-256 of each file scored and recorded in this session -> {"name", "when", "recorded"}: the same
#: file uploaded again is not recorded a second time unless the officer asks for it (BATCH_AGAIN)
BATCH_DONE = "batch_files_done"
BATCH_AGAIN = "batch_record_again"  # the digest of a file the officer chose to record again
#: the detected format of the scored file (a CsvFormat; None for a plain UTF-8 comma file)
BATCH_FORMAT = "batch_file_format"
THRESHOLD = "threshold_value"
COST_FN = "cost_fn"
COST_FP = "cost_fp"
REVIEW_REASON = "review_reason_text"  # the reason typed to close a review (scoring page, review queue)
REVIEW_DONE = "review_done"  # core.DecisionRecord of the last review closed
REVIEW_ERROR = "review_error"  # why the last review was not recorded
REVIEW_DETAIL = "review_detail_id"  # the case chosen on the review queue page
FAIRNESS_RESULT = "fairness_result"  # the last audit of the fairness page

DEFAULTS: dict[str, Any] = {
    LANG: "fr",
    FORM_GENERATION: 0,
    LOOKUP_ID: None,
    LOOKUP_TEXT: "",
    LOOKUP_MISSING: None,
    OFFICER_NAME: "",
    LAST_DECISION: None,
    LAST_OVERRIDE: None,
    OVERRIDE_ERROR: None,
    SUBMIT_PROBLEM: None,
    DETAIL_ID: "",
    SHOWN_IDS: [],
    CLIENT_ID: None,
    LOADED_RECORD: None,
    LAST_RESULT: None,
    LAST_RECOURSE: None,
    LAST_ERRORS: None,
    PREVIOUS_PROBABILITY: None,
    BATCH_RESULT: None,
    BATCH_FILE: None,
    BATCH_DONE: {},
    BATCH_AGAIN: None,
    BATCH_FORMAT: None,
    REVIEW_DONE: None,
    REVIEW_ERROR: None,
    REVIEW_DETAIL: None,
    FAIRNESS_RESULT: None,
}


def form_key(name: str, generation: int | None = None) -> str:
    """The widget key of form field ``name`` in the form's current generation (or the one given)."""
    gen = st.session_state.get(FORM_GENERATION, 0) if generation is None else generation
    return f"{FORM_PREFIX}{gen}__{name}"


def rekey_form() -> None:
    """Move the scoring form's values to new widget keys (the next generation), values unchanged.

    Called when the language changes: the browser keeps the option labels a widget was first drawn
    with ("Marié(e)" on an English page), so the form's widgets are drawn again under new keys. The
    amounts typed are written again the new language's way (the same number)."""
    old = int(st.session_state.get(FORM_GENERATION, 0))
    prefix = f"{FORM_PREFIX}{old}__"
    values = {
        str(k)[len(prefix) :]: st.session_state[k]
        for k in list(st.session_state)
        if str(k).startswith(prefix)
    }
    for name in values:
        del st.session_state[prefix + name]
    from dashboard.forms import format_amount, parse_amount

    for name in set(st.session_state.get(AMOUNT_FIELDS, ())) & values.keys():
        # "450 000" on a French page, "450,000" on an English one; a text that is not an amount is
        # kept as typed, so that the officer sees what to correct
        if isinstance(values[name], str):
            with contextlib.suppress(ValueError):
                values[name] = format_amount(parse_amount(values[name]), lang())
    st.session_state[FORM_GENERATION] = old + 1
    st.session_state.update({form_key(name): value for name, value in values.items()})


def lang_key(key: str) -> str:
    """The widget key of ``key`` in the page's language, holding the value chosen in the other one.

    For a widget whose option labels are words of the interface: the browser keeps the labels a
    widget was first drawn with, so each language has its own widget, and a choice made before the
    language changed is kept (not reset)."""
    here = lang()
    current, other, drawn = f"{key}__{here}", f"{key}__{'en' if here == 'fr' else 'fr'}", f"{key}__drawn_in"
    if st.session_state.get(drawn, here) != here and other in st.session_state:  # the language changed
        st.session_state[current] = st.session_state[other]
    st.session_state[drawn] = here
    return current


def init_state() -> None:
    """Set every default that is not set yet."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = copy.copy(value)  # a list or dict of this session's own


def lang() -> Literal["fr", "en"]:
    """The interface language ('fr' or 'en'); French until it is chosen.

    Called for every text of a page (hundreds of times a run): one look-up, not :func:`init_state`.
    """
    return "en" if st.session_state.get(LANG) == "en" else "fr"
