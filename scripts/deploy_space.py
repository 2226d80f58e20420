"""Upload what the Space builds from (Dockerfile, README front matter, code, demo bundle) to a Hugging Face Space.

The deploy workflow (``.github/workflows/deploy.yml``) runs it after CI passed on a push to this
repository's main. It uploads with ``huggingface_hub``'s API rather than ``git push``: binary files
(the bundle's ``model.cbm`` and Parquet tables) go through the Hub's large-file storage, which a plain
push of the history does not do (the Hub refuses binaries over 1 MB pushed that way), and only the
files the image needs are sent (no tests, data or history). The token is read by ``huggingface_hub``
from ``HF_TOKEN`` and never printed.

    HF_TOKEN=hf_... python scripts/deploy_space.py --space owner/space-name --note "$GITHUB_SHA"
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from huggingface_hub import HfApi

REPO = Path(__file__).resolve().parent.parent
#: what the image is built from: the Dockerfile's COPY sources, its build context files, the Space card
ALLOW = [
    "Dockerfile", ".dockerignore", "README.md", "pyproject.toml",
    "core/**", "api/**", "dashboard/**", "assets/**", "examples/**",
]  # fmt: skip
IGNORE = ["**/__pycache__/**", "**/*.pyc", "**/.DS_Store"]


def deploy(space: str, *, note: str = "", endpoint: str | None = None, folder: Path = REPO) -> str:
    """Upload ``folder``'s image files to the Space ``space`` in one commit; return the commit URL."""
    api = HfApi(endpoint=endpoint)
    with warnings.catch_warnings():
        # the demo bundle's Parquet tables belong in the Space on purpose: the image serves them
        warnings.filterwarnings("ignore", message="It seems that you are about to commit a data file")
        info = api.upload_folder(
            repo_id=space,
            repo_type="space",
            folder_path=folder,
            allow_patterns=ALLOW,
            ignore_patterns=IGNORE,
            commit_message=f"Deploy {note}".strip(),
        )
    return str(info.commit_url)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, upload, print the commit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", required=True, help="the Space id, owner/space-name")
    parser.add_argument("--note", default="", help="added to the commit message (e.g. the git commit)")
    parser.add_argument("--endpoint", default=None, help="the Hub's URL (default: huggingface.co)")
    args = parser.parse_args(argv)
    if args.space.count("/") != 1:
        print(f"--space {args.space!r} is not a Space id like owner/space-name", file=sys.stderr)
        return 2
    print(f"deployed: {deploy(args.space, note=args.note, endpoint=args.endpoint)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
