"""Who is deciding: the signed-in user (Streamlit authentication) or, in open mode, a name given once.

With an ``[auth]`` section in the Streamlit secrets, every page requires a login (OIDC) and the
actor is the authenticated user, analyst when the e-mail is listed in ``DASHBOARD_ANALYSTS``.
Without it (the embedded demo) the dashboard runs in open mode: the officer types a name, recorded
as not authenticated. The two functions below the line are the only contact with ``st.user`` /
``st.secrets`` (tests replace them).
"""

from __future__ import annotations

import streamlit as st

import core
from dashboard.i18n import t
from dashboard.state import OFFICER_NAME, init_state


def auth_configured() -> bool:
    """True when the secrets hold an ``[auth]`` section (Streamlit's OIDC login is configured)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all: open mode
        return False


def signed_in_user() -> str | None:
    """The signed-in user's e-mail (or name); None when nobody is logged in."""
    if not st.user.is_logged_in:
        return None
    return str(st.user.get("email") or st.user.get("name") or "") or None


# ----------------------------------------------------------------------------------------------------


def actor() -> core.Actor | None:
    """The actor of a decision taken now; None when nobody is signed in or no name was given."""
    if auth_configured():
        who = signed_in_user()
        if who is None:
            return None
        role = "analyst" if who.strip().lower() in core.load_settings().analysts() else "officer"
        return core.Actor(who, authenticated=True, role=role)
    name = str(st.session_state.get(OFFICER_NAME) or "").strip()
    return core.Actor(name, authenticated=False, role="analyst") if name else None


def sidebar() -> core.Actor | None:
    """The sidebar's "who is deciding" block; with authentication, a page stops here until login."""
    init_state()
    if auth_configured():
        current = actor()
        if current is None:
            st.info(t("auth_required"), icon=":material/lock:")
            st.button(t("login"), on_click=st.login, type="primary", icon=":material/login:")
            st.stop()
        assert current is not None
        with st.sidebar:
            st.markdown(t("signed_in_as", who=current.name, role=t("role_" + current.role)))
            st.button(t("logout"), on_click=st.logout, icon=":material/logout:")
        return current
    with st.sidebar:
        st.warning(t("open_mode"), icon=":material/lock_open:")
        st.text_input(
            t("officer_name"), key=OFFICER_NAME, placeholder=t("officer_name_placeholder"),
            help=t("officer_name_help"), persist_state="session", max_chars=64,
        )  # fmt: skip
    return actor()
