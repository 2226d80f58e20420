"""Prêt à dépenser dashboard: routes only (``streamlit run dashboard/app.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` from a checkout

from dashboard.i18n import t  # noqa: E402
from dashboard.state import init_state  # noqa: E402

PAGES = Path(__file__).resolve().parent / "views"

st.set_page_config(
    page_title="Prêt à dépenser — scoring", page_icon=":material/account_balance:", layout="wide"
)
init_state()
st.navigation(
    [
        st.Page(PAGES / "score.py", title=t("nav_score"), icon=":material/person_search:", default=True),
        st.Page(PAGES / "batch.py", title=t("nav_batch"), icon=":material/upload_file:"),
        st.Page(PAGES / "decisions.py", title=t("nav_decisions"), icon=":material/receipt_long:"),
        st.Page(PAGES / "reviews.py", title=t("nav_reviews"), icon=":material/rule:"),
        st.Page(PAGES / "monitoring.py", title=t("nav_monitoring"), icon=":material/monitoring:"),
        st.Page(PAGES / "threshold.py", title=t("nav_threshold"), icon=":material/tune:"),
        st.Page(PAGES / "insights.py", title=t("nav_insights"), icon=":material/insights:"),
        st.Page(PAGES / "fairness.py", title=t("nav_fairness"), icon=":material/balance:"),
        st.Page(PAGES / "model_card.py", title=t("nav_card"), icon=":material/description:"),
    ]
).run()
