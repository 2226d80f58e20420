"""Load the configured bundle: a local folder, local legacy files, the Hugging Face Hub, or the MLflow registry."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from core.config import Settings, get_settings
from core.errors import BundleError
from core.serving.bundle import MANIFEST, Bundle, load_bundle, load_legacy_bundle

log = logging.getLogger(__name__)


def _hf_download(settings: Settings, filename: str) -> Path:
    """Download one file of the configured Hub repo (or take it from the local cache)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    token = settings.HF_TOKEN.get_secret_value() if settings.HF_TOKEN else None
    try:
        return Path(
            hf_hub_download(
                repo_id=str(settings.HF_REPO_ID),
                filename=filename,
                revision=settings.HF_REVISION,
                token=token,
            )
        )
    except LocalEntryNotFoundError:
        raise BundleError(
            f"{filename} of Hugging Face repo {settings.HF_REPO_ID} is not in the local cache "
            "and the Hub cannot be reached (offline?)."
        ) from None
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", "?")
        raise BundleError(
            f"could not download {filename} from Hugging Face repo {settings.HF_REPO_ID} "
            f"(revision {settings.HF_REVISION or 'main'}): HTTP {status}."
        ) from None
    except (OSError, ValueError) as exc:
        # network errors, invalid repo ids; never include the token
        raise BundleError(
            f"could not download {filename} from Hugging Face repo {settings.HF_REPO_ID}: "
            f"{type(exc).__name__}."
        ) from None


def _load_hf(settings: Settings) -> Bundle:
    where = f"hf:{settings.HF_REPO_ID}@{settings.HF_REVISION or 'main'}"
    if settings.uses_legacy_hf:
        paths = [
            _hf_download(settings, str(name))
            for name in (
                settings.HF_MODEL_PATH,
                settings.HF_KEPT_PATH,
                settings.HF_CAT_PATH,
                settings.HF_THRESHOLD_PATH,
            )
        ]
        return load_legacy_bundle(*paths, source=where)
    manifest_path = _hf_download(settings, MANIFEST)
    try:
        files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        raise BundleError(
            f"{MANIFEST} of Hugging Face repo {settings.HF_REPO_ID} is not a v1 manifest."
        ) from None
    folder = manifest_path.parent
    for fname in files:
        downloaded = _hf_download(settings, fname)
        if downloaded.parent != folder:  # files live side by side in one snapshot folder
            raise BundleError(f"{fname} of {settings.HF_REPO_ID} did not land beside {MANIFEST}.")
    return load_bundle(folder, source=where)


def load_configured_bundle(settings: Settings | None = None) -> Bundle:
    """Load the bundle the settings point at (default: the demo bundle in ``assets/``)."""
    settings = settings or get_settings()
    if settings.BUNDLE_SOURCE == "mlflow":
        from core.serving.registered import load_registered_bundle

        return load_registered_bundle(str(settings.MLFLOW_MODEL_URI))
    if settings.BUNDLE_SOURCE == "hf":
        return _load_hf(settings)
    if settings.uses_legacy_local:
        return load_legacy_bundle(
            settings.LOCAL_MODEL_PATH,  # type: ignore[arg-type]
            settings.LOCAL_KEPT_PATH,  # type: ignore[arg-type]
            settings.LOCAL_CAT_PATH,  # type: ignore[arg-type]
            settings.LOCAL_THRESHOLD_PATH,  # type: ignore[arg-type]
        )
    return load_bundle(settings.bundle_dir())


def load_bundle_arg(spec: str | Path | None) -> Bundle:
    """The bundle a command's ``--bundle`` names: a folder, an MLflow model URI
    (``models:/NAME/VERSION``, ``models:/NAME@ALIAS``, ``runs:/RUN_ID/scorer``), or by default the
    configured bundle."""
    if spec is None or str(spec).strip() == "":
        return load_configured_bundle()
    from core.serving.registered import is_model_uri, load_registered_bundle

    if is_model_uri(str(spec)):
        return load_registered_bundle(str(spec))
    return load_bundle(Path(spec))
