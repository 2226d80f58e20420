"""A bundle from the MLflow model registry: ``models:/NAME/VERSION``, ``models:/NAME@ALIAS`` or ``runs:/RUN/scorer``.

``pad train`` logs each bundle as an MLflow model (:mod:`core.training.pyfunc`) and registers it.
Here the registered model's files are downloaded from the tracking server (``MLFLOW_TRACKING_URI``,
as MLflow reads it) and its ``artifacts/bundle`` folder is loaded by :func:`load_bundle` — SHA-256
of every file checked against the manifest, the model read from the native ``.cbm``: nothing of
the download is unpickled or executed.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

from core.errors import BundleError
from core.serving.bundle import MANIFEST, Bundle, load_bundle

log = logging.getLogger(__name__)

#: the URIs this loader takes (MLflow's own schemes for a registered model or a run's model)
URI = re.compile(r"^(models:/[^/@\s]+(/[^/\s]+|@[^/\s]+)|runs:/[^/\s]+/[^\s]+)$")
#: the artifact key of the bundle inside the project's MLflow model (core.training.pyfunc logs it;
#: its folder is the one the model's MLmodel file names)
BUNDLE_ARTIFACT = "bundle"


def is_model_uri(spec: str | Path) -> bool:
    """True for an MLflow model URI (``models:/…``, ``runs:/…``), false for a folder path."""
    return isinstance(spec, str) and bool(URI.match(spec.strip()))


def load_registered_bundle(uri: str, *, tracking_uri: str | None = None, dst: Path | None = None) -> Bundle:
    """Download the MLflow model ``uri`` and load the bundle it holds."""
    uri = uri.strip()
    if not URI.match(uri):
        raise BundleError(
            f"{uri!r} is not an MLflow model URI: expected models:/NAME/VERSION, models:/NAME@ALIAS "
            "or runs:/RUN_ID/scorer."
        )
    try:
        import mlflow
        from mlflow.exceptions import MlflowException
    except ImportError:
        raise BundleError(
            "loading a registered model needs MLflow: pip install 'pret-a-depenser[train]'."
        ) from None
    where = Path(dst) if dst else Path(tempfile.mkdtemp(prefix="pad-mlflow-"))
    # the command prints its own progress; MLflow's per-file bar would flood a log
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    try:
        if tracking_uri:
            mlflow.set_tracking_uri(tracking_uri)
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(where)))
    except MlflowException as exc:
        raise BundleError(
            f"could not load {uri} from the MLflow tracking server {_safe(mlflow.get_tracking_uri())}: "
            f"{exc.message.splitlines()[0][:300]}"
        ) from None
    except OSError as exc:
        raise BundleError(f"could not download {uri}: {type(exc).__name__}: {exc.strerror or exc}") from None
    folder = _bundle_folder(local)
    if folder is None or not (folder / MANIFEST).is_file():
        raise BundleError(
            f"{uri} is an MLflow model but not one of this project's (no bundle artifact with a "
            f"{MANIFEST}); log it with pad train."
        )
    bundle = load_bundle(folder, source=uri)
    log.info("loaded %s %s from %s", bundle.name, bundle.version, uri)
    return bundle


def _bundle_folder(model_dir: Path) -> Path | None:
    """The bundle's folder inside a downloaded MLflow model, as its MLmodel file names it."""
    import yaml

    try:
        meta = yaml.safe_load((model_dir / "MLmodel").read_text(encoding="utf-8"))
        rel = meta["flavors"]["python_function"]["artifacts"][BUNDLE_ARTIFACT]["path"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    folder = (model_dir / str(rel)).resolve()
    if not folder.is_relative_to(model_dir.resolve()):  # a path out of the download: refused
        return None
    return folder


def _safe(uri: str) -> str:
    """A tracking URI without its credentials (user:password@host)."""
    return re.sub(r"//[^/@]*@", "//***@", uri)
