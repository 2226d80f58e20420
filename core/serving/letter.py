"""The decision letter: one logged decision as a PDF a client can read, in French or English.

It states the decision, at most four principal reasons in plain language (the logged reason codes,
through :func:`core.serving.presentation.reason_sentence`), the recourse options offered with the
decision, how to ask for a human review, the date, the model version and the decision's id in the
log. An officer's override (a later log row) gives the final decision. The font (DejaVu Sans, its
licence in ``fonts/``) ships with the package: the letter never depends on a system font.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from core.serving.presentation import Lang, format_value, reason_sentence
from core.serving.recourse import none_sentence, option_sentence
from core.serving.service import Direction, Reason

FONTS = Path(__file__).resolve().parent / "fonts"
MAX_REASONS = 4
NAVY = (22, 45, 84)
GREY = (90, 90, 90)
_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


@dataclass(frozen=True)
class Lender:
    """Who writes the letter and where a client asks for a review (the demo's lender by default)."""

    name: str = "Prêt à dépenser"
    department: tuple[str, str] = ("Service des crédits aux particuliers", "Consumer lending department")
    address: tuple[str, ...] = ("12 rue de la Banque", "75002 Paris", "France")
    review_email: str = "reexamen@pret-a-depenser.example"
    review_days: int = 30
    city: str = "Paris"
    extra: Mapping[str, str] = field(default_factory=dict)


def _date(when: datetime, lang: Lang) -> str:
    if lang == "fr":
        day = "1er" if when.day == 1 else str(when.day)
        return f"{day} {_MONTHS_FR[when.month - 1]} {when.year}"
    return when.strftime("%-d %B %Y")


def _t(lang: Lang, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


def principal_reasons(record: Any, decision: str) -> list[Reason]:
    """At most four logged reasons that led to ``decision``: toward default for a refusal, toward
    repayment for an acceptance, in the log's order (largest first)."""
    side: Direction = "default" if decision == "REFUSED" else "repayment"
    return [
        Reason(r["feature"], r.get("value"), float(r.get("contribution") or 0.0), side, None)
        for r in record.reasons
        if r.get("direction") == side
    ][:MAX_REASONS]


class _Letter(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=28)

    def footer(self) -> None:
        self.set_y(-22)
        self.set_draw_color(*NAVY)
        self.line(22, self.get_y(), self.w - 22, self.get_y())
        self.set_font("DejaVu", "", 7)
        self.set_text_color(*GREY)
        self.multi_cell(0, 3.4, self.footer_text, align="C")
        self.set_y(-9)
        self.cell(0, 4, f"{self.page_no()}/{{nb}}", align="R")


def decision_letter(
    record: Any, *, lang: Lang = "fr", schema: Any = None, final: Any = None, lender: Lender | None = None
) -> bytes:
    """The PDF letter of a logged model decision (:class:`core.store.DecisionRecord`).

    ``final``: the officer's override of it, when there is one (its decision is the one announced);
    ``schema``: the bundle's, for the labels of its features.
    """
    if record.kind != "decision" or record.decision not in ("ACCEPTED", "REFUSED"):
        raise ValueError(f"decision {record.decision_id!r} is not a model decision: no letter to write")
    lender = lender or Lender()
    decision = final.decision if final is not None else record.decision
    when = (final or record).created_at
    ref = record.decision_id
    footer = _t(
        lang,
        f"{lender.name} · décision n° {ref} · enregistrée le {record.created_at:%d/%m/%Y %H:%M} UTC · "
        f"modèle {record.bundle_name} version {record.bundle_version}",
        f"{lender.name} · decision no. {ref} · recorded on {record.created_at:%Y-%m-%d %H:%M} UTC · "
        f"model {record.bundle_name} version {record.bundle_version}",
    )
    pdf = _Letter(footer)
    pdf.set_title(_t(lang, "Décision sur votre demande de crédit", "Decision on your credit application"))
    pdf.set_author(lender.name)
    pdf.add_page()
    _head(pdf, lender, lang, record, when)
    _verdict(pdf, lang, decision)
    _body(pdf, lender, lang, record, decision, final, schema)
    return bytes(pdf.output())


def letter_for(log: Any, record: Any, *, lang: Lang = "fr", schema: Any = None) -> bytes:
    """:func:`decision_letter` of a logged decision, with its override read from ``log`` when there
    is one (:class:`core.store.DecisionLog`)."""
    final = log.get(record.overridden_by[0]) if record.overridden_by else None
    return decision_letter(record, lang=lang, schema=schema, final=final)


def letter_filename(record: Any, lang: Lang) -> str:
    """The file name offered for the download."""
    return f"{_t(lang, 'decision', 'decision')}-{record.decision_id[:8]}-{lang}.pdf"


def _head(pdf: _Letter, lender: Lender, lang: Lang, record: Any, when: datetime) -> None:
    pdf.set_fill_color(*NAVY)
    pdf.rect(0, 0, pdf.w, 6, style="F")
    pdf.set_y(16)
    pdf.set_font("DejaVu", "B", 20)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 9, lender.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    dept = lender.department[0 if lang == "fr" else 1]
    for line in (dept, *lender.address, lender.review_email):
        pdf.cell(0, 4.4, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # the addressee, right-hand block as in a windowed envelope
    pdf.set_xy(120, 44)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 10)
    client = record.client_id
    who = (
        _t(lang, f"Client n° {client}", f"Client no. {client}")
        if client is not None
        else _t(lang, "Demandeur (nouveau client)", "Applicant (new client)")
    )
    pdf.multi_cell(68, 5, who, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(120, 60)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(68, 5, _t(lang, f"{lender.city}, le {_date(when, lang)}", f"{lender.city}, {_date(when, lang)}"))
    pdf.set_xy(pdf.l_margin, 76)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.multi_cell(0, 5.5, _t(lang, "Objet : votre demande de crédit", "Subject: your credit application"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 4.6, _t(lang, f"Référence de la décision : {record.decision_id}",
                              f"Decision reference: {record.decision_id}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_text_color(0, 0, 0)
    pdf.ln(5)


def _verdict(pdf: _Letter, lang: Lang, decision: str) -> None:
    """The decision in one framed line, before the letter's text."""
    refused = decision == "REFUSED"
    word = (
        _t(lang, "demande refusée", "application refused")
        if refused
        else _t(lang, "demande acceptée", "application accepted")
    )
    pdf.set_draw_color(*((170, 40, 40) if refused else (30, 120, 60)))
    pdf.set_text_color(*((150, 30, 30) if refused else (25, 100, 50)))
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 9, f"{_t(lang, 'Décision', 'Decision')} : {word}" if lang == "fr" else f"Decision: {word}",
             border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_text_color(0, 0, 0)
    pdf.ln(5)


def _para(pdf: _Letter, text: str, *, bold: bool = False, size: float = 10, after: float = 2.5) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, 5.2, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(after)


def _heading(pdf: _Letter, text: str) -> None:
    pdf.ln(1)
    pdf.set_text_color(*NAVY)
    _para(pdf, text, bold=True, size=11, after=1)
    pdf.set_text_color(0, 0, 0)


def _bullets(pdf: _Letter, items: Sequence[str]) -> None:
    pdf.set_font("DejaVu", "", 10)
    for item in items:
        pdf.set_x(pdf.l_margin + 3)
        pdf.cell(5, 5.2, "•")
        pdf.multi_cell(0, 5.2, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    pdf.ln(1.5)


def _amounts(record: Any, lang: Lang, schema: Any) -> str:
    app = record.application if isinstance(record.application, Mapping) else {}
    credit = app.get("AMT_CREDIT")
    if credit is None:
        return ""
    return _t(lang, f" d'un montant de {format_value('AMT_CREDIT', credit, lang, schema)}",
              f" for {format_value('AMT_CREDIT', credit, lang, schema)}")  # fmt: skip


def _body(
    pdf: _Letter, lender: Lender, lang: Lang, record: Any, decision: str, final: Any, schema: Any
) -> None:
    refused = decision == "REFUSED"
    _para(pdf, _t(lang, "Madame, Monsieur,", "Dear Sir or Madam,"))
    amount = _amounts(record, lang, schema)
    if refused:
        text = _t(lang,
                  f"Nous avons étudié avec attention votre demande de crédit{amount}. Nous avons le regret de "
                  "vous informer que nous ne pouvons pas y donner une suite favorable.",
                  f"We have carefully considered your credit application{amount}. We regret to inform you "
                  "that we are unable to accept it.")  # fmt: skip
    else:
        text = _t(lang,
                  f"Nous avons étudié votre demande de crédit{amount} et avons le plaisir de vous informer "
                  "qu'elle est acceptée.",
                  f"We have considered your credit application{amount} and are pleased to inform you that "
                  "it has been accepted.")  # fmt: skip
    _para(pdf, text)
    if final is not None:
        _para(pdf, _t(lang,
                      "Cette décision a été prise par un conseiller, après examen de votre dossier et de "
                      "l'évaluation de notre modèle de score.",
                      "This decision was taken by a credit officer, after reviewing your file and the "
                      "assessment of our scoring model."))  # fmt: skip
    reasons = principal_reasons(record, record.decision)
    if reasons and final is None:
        _heading(pdf, _t(lang, "Les principales raisons de cette décision",
                         "The principal reasons for this decision"))  # fmt: skip
        _bullets(pdf, [reason_sentence(r, lang, schema) for r in reasons])
    if refused and record.recourse:
        options = [o for o in record.recourse if o.get("changes")]
        _heading(pdf, _t(lang, "Ce qui pourrait changer cette décision", "What could change this decision"))
        if options:
            _para(pdf, _t(lang, "Une nouvelle demande pourrait être acceptée, par exemple :",
                          "A new application could be accepted, for example:"), after=1)  # fmt: skip
            _bullets(pdf, [option_sentence(o["changes"], lang, schema) for o in options])
        else:
            _para(pdf, none_sentence(lang))
    if not refused:  # nothing to contest in an acceptance: where to ask a question
        _para(pdf, _t(lang,
                      f"Pour toute question sur votre crédit, écrivez à {lender.review_email} ou à l'adresse "
                      f"ci-dessus en rappelant la référence {record.decision_id}.",
                      f"For any question about your credit, write to {lender.review_email} or to the "
                      f"address above, quoting the reference {record.decision_id}."))  # fmt: skip
    else:
        _contest(pdf, lender, lang, record)
    pdf.ln(2)
    _para(pdf, _t(lang,
                  "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
                  "Yours faithfully,"), after=6)  # fmt: skip
    _para(pdf, lender.department[0 if lang == "fr" else 1], bold=True, after=0)
    _para(pdf, lender.name, after=0)


def _contest(pdf: _Letter, lender: Lender, lang: Lang, record: Any) -> None:
    """A refusal's right to a human review and to contest it (GDPR art. 22, consumer-credit law)."""
    _heading(pdf, _t(lang, "Demander un réexamen par une personne", "Asking for a human review"))
    _para(pdf, _t(lang,
                  f"Cette décision a été préparée à l'aide d'un modèle statistique. Vous pouvez demander qu'un "
                  f"conseiller la réexamine, présenter votre point de vue et la contester, dans un délai de "
                  f"{lender.review_days} jours : écrivez à {lender.review_email} ou à l'adresse ci-dessus en "
                  f"rappelant la référence {record.decision_id}.",
                  f"This decision was prepared with the help of a statistical model. You may ask for a human "
                  f"review by a credit officer, express your point of view and contest the decision within "
                  f"{lender.review_days} days: write to {lender.review_email} or to the address above, "
                  f"quoting the reference {record.decision_id}."))  # fmt: skip
