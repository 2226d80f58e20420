"""Human labels (French and English) and value formatting for features."""

from __future__ import annotations

import math
from typing import Literal

Lang = Literal["fr", "en"]
DAYS_PER_YEAR = 365.25

# Short labels of the features a credit officer meets most; others fall back to their name.
_LABELS: dict[str, tuple[str, str]] = {
    "EXT_SOURCE_1": ("Score externe 1", "External score 1"),
    "EXT_SOURCE_2": ("Score externe 2", "External score 2"),
    "EXT_SOURCE_3": ("Score externe 3", "External score 3"),
    "DAYS_BIRTH": ("Âge", "Age"),
    "DAYS_EMPLOYED": ("Ancienneté dans l'emploi", "Years employed"),
    "DAYS_REGISTRATION": ("Ancienneté de l'enregistrement", "Years since registration change"),
    "DAYS_ID_PUBLISH": ("Ancienneté de la pièce d'identité", "Years since ID document change"),
    "DAYS_LAST_PHONE_CHANGE": ("Ancienneté du téléphone", "Years since phone change"),
    "AMT_CREDIT": ("Montant du crédit", "Credit amount"),
    "AMT_ANNUITY": ("Annuité", "Loan annuity"),
    "AMT_GOODS_PRICE": ("Prix du bien financé", "Price of the goods"),
    "AMT_INCOME_TOTAL": ("Revenu annuel", "Annual income"),
    "CODE_GENDER": ("Genre", "Gender"),
    "NAME_EDUCATION_TYPE": ("Niveau d'études", "Education"),
    "NAME_FAMILY_STATUS": ("Situation familiale", "Family status"),
    "NAME_CONTRACT_TYPE": ("Type de contrat", "Contract type"),
    "NAME_INCOME_TYPE": ("Type de revenu", "Income type"),
    "OCCUPATION_TYPE": ("Profession", "Occupation"),
    "ORGANIZATION_TYPE": ("Secteur de l'employeur", "Employer's sector"),
    "OWN_CAR_AGE": ("Âge du véhicule", "Car age"),
    "CNT_CHILDREN": ("Nombre d'enfants", "Number of children"),
    "CNT_FAM_MEMBERS": ("Taille du foyer", "Family members"),
    "REGION_RATING_CLIENT_W_CITY": ("Note de la région (avec ville)", "Region rating (with city)"),
    "REGION_RATING_CLIENT": ("Note de la région", "Region rating"),
    "FLAG_DOCUMENT_3": ("Document 3 fourni", "Document 3 provided"),
    "REG_CITY_NOT_LIVE_CITY": ("Ville d'enregistrement ≠ ville de résidence", "Registered city ≠ home city"),
    "PREV_RATIO_REFUSED": ("Part des demandes antérieures refusées", "Share of past applications refused"),
    "PREV_RATIO_APPROVED": ("Part des demandes antérieures acceptées", "Share of past applications approved"),
    "BUREAU_BUREAU_DEBT_RATIO_MAX": ("Taux d'endettement max. (bureau)", "Max debt ratio (credit bureau)"),
    "AMT_REQ_CREDIT_BUREAU_QRT": ("Consultations du bureau (trimestre)", "Credit bureau enquiries (quarter)"),
    "DEF_30_CNT_SOCIAL_CIRCLE": ("Défauts à 30 j dans l'entourage", "30-day defaults in social circle"),
    "DEF_60_CNT_SOCIAL_CIRCLE": ("Défauts à 60 j dans l'entourage", "60-day defaults in social circle"),
    "EXT_SOURCES_MEAN": ("Moyenne des scores externes", "Mean external score"),
    "EXT_SOURCES_MIN": ("Plus bas score externe", "Lowest external score"),
    "EXT_SOURCES_MAX": ("Plus haut score externe", "Highest external score"),
    "EXT_SOURCES_PROD": ("Produit des scores externes", "Product of external scores"),
    "EXT_SOURCES_STD": ("Écart entre scores externes", "Spread of external scores"),
    "CREDIT_INCOME_RATIO": ("Crédit / revenu", "Credit / income"),
    "ANNUITY_INCOME_RATIO": ("Annuité / revenu", "Annuity / income"),
    "CREDIT_TERM_RATIO": ("Annuité / crédit", "Annuity / credit"),
    "GOODS_CREDIT_RATIO": ("Prix du bien / crédit", "Goods price / credit"),
    "EMPLOYED_BIRTH_RATIO": ("Part de la vie dans l'emploi actuel", "Share of life in current job"),
    "INCOME_PER_PERSON": ("Revenu par personne du foyer", "Income per family member"),
    "DAYS_EMPLOYED_ANOM": ("Sans emploi déclaré (retraité)", "No employment recorded (pensioner)"),
    "FLAG_DOCUMENT_SUM": ("Nombre de documents fournis", "Documents provided"),
    "BUREAU_COUNT": ("Crédits au bureau de crédit", "Credit Bureau credits"),
    "BUREAU_ACTIVE_COUNT": ("Crédits actifs au bureau", "Active Credit Bureau credits"),
    "PREV_COUNT": ("Demandes antérieures", "Previous applications"),
    "INST_RECENT_RATIO_LATE": ("Échéances payées en retard (12 mois)", "Instalments paid late (12 months)"),
    "PREV_INST_RATIO_LATE_MEAN": (
        "Part d'échéances en retard (prêts antérieurs)",
        "Share of late instalments (past loans)",
    ),
    "PREV_INST_INST_DAYSLATE_MAX_MEAN": ("Retard maximal moyen (jours)", "Mean worst payment delay (days)"),
    "PREV_CC_CC_UTILIZATION_MEAN_MEAN": ("Utilisation moyenne des cartes", "Mean card utilisation"),
    "PREV_CC_CC_UTILIZATION_MAX_MAX": ("Utilisation maximale des cartes", "Max card utilisation"),
    "BUREAU_AMT_CREDIT_MAX_OVERDUE_MAX": (
        "Plus gros impayé déclaré au bureau",
        "Largest overdue amount (bureau)",
    ),
    "BUREAU_BUREAU_DEBT_RATIO_MEAN": ("Taux d'endettement moyen (bureau)", "Mean debt ratio (credit bureau)"),
    "BUREAU_ACTIVE_BUREAU_DEBT_RATIO_MEAN": (
        "Taux d'endettement des crédits actifs",
        "Debt ratio of active credits",
    ),
    # engineered features near the top of the demo model's importance ranking
    "PREV_NAME_CONTRACT_STATUS_Refused": ("Demandes antérieures refusées", "Past applications refused"),
    "BUREAU_AMT_CREDIT_MAX_OVERDUE_MEAN": ("Impayé maximal moyen (bureau)", "Mean largest overdue (bureau)"),
    "PREV_POS_SK_DPD_MEAN_SUM": ("Jours de retard, crédits PdV/espèces", "Days past due, POS/cash loans"),
    "BUREAU_BB_STATUS_1_RATIO_STD": (
        "Variabilité des mois en retard (bureau)",
        "Spread of late months (bureau)",
    ),
    "BUREAU_BB_STATUS_2_RATIO_MEAN": (
        "Part de mois en retard grave (bureau)",
        "Share of months seriously late (bureau)",
    ),
    "BUREAU_BB_DPD_COUNT_MEAN": ("Mois en retard par crédit (bureau)", "Late months per credit (bureau)"),
    "PREV_INST_INST_PAYMENTRATIO_MIN_SUM": (
        "Part minimale payée des échéances",
        "Lowest share of instalment paid",
    ),
    "PREV_INST_INST_DAYSLATE_MEAN_MEAN": ("Retard moyen de paiement (jours)", "Mean payment delay (days)"),
    "PREV_INST_COUNT_UNDERPAID_SUM": ("Échéances payées partiellement", "Instalments underpaid"),
    "PREV_INST_COUNT_LATE_STD": ("Variabilité des échéances en retard", "Spread of late instalments"),
    "PREV_CC_AMT_CREDIT_LIMIT_ACTUAL_MEAN_MEAN": ("Plafond moyen des cartes", "Mean card credit limit"),
    "PREV_AMT_ANNUITY_MEAN": (
        "Annuité moyenne des demandes antérieures",
        "Mean annuity of past applications",
    ),
    "HOUSETYPE_MODE": ("Type de logement", "Housing type"),
    "HOUR_APPR_PROCESS_START": ("Heure de la demande", "Hour of application"),
}

#: Application fields entered in years instead of (negative) days.
YEAR_FIELDS = {
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "DAYS_REGISTRATION",
    "DAYS_ID_PUBLISH",
    "DAYS_LAST_PHONE_CHANGE",
}


def label(name: str, lang: Lang = "fr") -> str:
    """Short human label of a feature in ``lang``; the feature name when none is known."""
    pair = _LABELS.get(name)
    if pair is None:
        return name
    return pair[0] if lang == "fr" else pair[1]


def days_to_years(days: float) -> float:
    """Kaggle days (negative, counted back from the application) to positive years."""
    return -days / DAYS_PER_YEAR


def years_to_days(years: float) -> float:
    """Positive years to Kaggle days (negative)."""
    return -round(years * DAYS_PER_YEAR)


def format_value(name: str, value: object, lang: Lang = "fr") -> str:
    """Format a feature value for people: ages and durations in years, amounts with separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "manquant" if lang == "fr" else "missing"
    if isinstance(value, str):
        return value
    x = float(value)  # type: ignore[arg-type]
    if name in YEAR_FIELDS:
        unit = "ans" if lang == "fr" else "years"
        return f"{days_to_years(x):.1f} {unit}".replace(".", "," if lang == "fr" else ".")
    if name.startswith("FLAG_") or name.startswith("REG_") or name.startswith("LIVE_"):
        yes, no = ("oui", "non") if lang == "fr" else ("yes", "no")
        return yes if x >= 0.5 else no
    if "AMT_" in name and abs(x) >= 100:
        text = f"{x:,.0f}"
        return text.replace(",", "\u202f") if lang == "fr" else text
    if x.is_integer():
        return f"{x:.0f}"
    text = f"{x:.3g}" if abs(x) < 1 else f"{x:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text
