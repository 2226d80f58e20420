"""Write the project's column dictionary (core/data/column_descriptions.csv) from Kaggle's.

Usage: python scripts/build_descriptions.py [--source HomeCredit_columns_description.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
TABLE_NAMES = {
    "application_{train|test}.csv": "application",
    "bureau.csv": "bureau",
    "bureau_balance.csv": "bureau_balance",
    "previous_application.csv": "previous_application",
    "POS_CASH_balance.csv": "POS_CASH_balance",
    "installments_payments.csv": "installments_payments",
    "credit_card_balance.csv": "credit_card_balance",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--source",
        type=Path,
        default=REPO.parent / "shared/data/homecredit/HomeCredit_columns_description.csv",
    )
    args = parser.parse_args()
    src = pd.read_csv(args.source)
    out = pd.DataFrame(
        {
            "table": src["Table"].map(TABLE_NAMES).fillna(src["Table"]),
            "column": src["Row"].str.strip(),
            "description": src["Description"].str.strip().str.replace(r"\s+", " ", regex=True),
        }
    )
    path = REPO / "core" / "data" / "column_descriptions.csv"
    out.to_csv(path, index=False)
    print(f"wrote {path} ({len(out)} columns)")


if __name__ == "__main__":
    main()
