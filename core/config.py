"""Settings read once from the environment (pydantic-settings); nothing else reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

#: The demo bundle shipped in the repository (trained on synthetic data).
DEMO_BUNDLE_DIR = Path(__file__).resolve().parent.parent / "assets" / "demo_bundle"
#: Where the embedded SQLite store lives when neither DATABASE_URL nor STORE_PATH is set.
DEFAULT_STORE_PATH = Path.home() / ".pret-a-depenser" / "store.sqlite"


class Settings(BaseSettings):
    """Where the model bundle comes from. Variable names are the original project's."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=True)

    BUNDLE_SOURCE: Literal["local", "hf", "mlflow"] = "local"
    BUNDLE_DIR: Path | None = None
    # legacy local layout (model.cb + three side files)
    LOCAL_MODEL_PATH: Path | None = None
    LOCAL_KEPT_PATH: Path | None = None
    LOCAL_CAT_PATH: Path | None = None
    LOCAL_THRESHOLD_PATH: Path | None = None
    # Hugging Face Hub
    HF_REPO_ID: str | None = None
    HF_TOKEN: SecretStr | None = Field(default=None, repr=False)
    HF_REVISION: str | None = None
    HF_MODEL_PATH: str | None = None
    HF_KEPT_PATH: str | None = None
    HF_CAT_PATH: str | None = None
    HF_THRESHOLD_PATH: str | None = None
    #: the registered model served when BUNDLE_SOURCE=mlflow (models:/NAME/VERSION or models:/NAME@ALIAS;
    #: the registry is MLflow's MLFLOW_TRACKING_URI)
    MLFLOW_MODEL_URI: str | None = None
    # serving limits
    MAX_BATCH_ROWS: int = Field(1000, gt=0)
    MAX_UPLOAD_MB: int = Field(50, gt=0)
    #: largest decompressed size of a compressed input (``.csv.gz``…): a small archive can hold gigabytes
    MAX_DECOMPRESSED_MB: int = Field(1024, gt=0)
    #: requests in progress per API worker process beyond which the API answers 503 with Retry-After
    #: (/health is never counted); kept below the 40 threads of the worker pool the routes run in
    MAX_CONCURRENT_REQUESTS: int = Field(32, gt=0, le=40)
    #: processes of each API worker that score /predict/batch bodies, so that a batch never holds the
    #: server's interpreter (/health and /predict answer while it runs); 0: in the server's threads
    BATCH_WORKER_PROCESSES: int = Field(1, ge=0, le=8)
    # database: client store and decision log (embedded SQLite unless DATABASE_URL names a server)
    DATABASE_URL: SecretStr | None = Field(default=None, repr=False)
    STORE_PATH: Path = DEFAULT_STORE_PATH
    #: FULL: a decision acknowledged to the caller survives a crash of the process *and* of the machine
    #: (each commit waits for the WAL's fsync); NORMAL keeps it across a process crash only.
    SQLITE_SYNCHRONOUS: Literal["FULL", "NORMAL"] = "FULL"
    #: clients of the embedded demo store generated on a fresh start (0: never create one)
    DEMO_STORE_CLIENTS: int = Field(3000, ge=0)
    # access: API keys as "name:role:sha256-hex" separated by commas (``pad keys create`` prints one)
    API_KEYS: SecretStr | None = Field(default=None, repr=False)
    #: dashboard users (e-mail addresses, comma-separated) who may list and export every decision
    DASHBOARD_ANALYSTS: str = ""
    # points score (core.serving.points): POINTS_BASE points at odds POINTS_BASE_ODDS:1 of repaying,
    # POINTS_PDO more points each time the odds double
    POINTS_BASE: float = 600.0
    POINTS_BASE_ODDS: float = Field(50.0, gt=0)
    POINTS_PDO: float = Field(20.0, gt=0)
    # grey zone (core.serving.review): "off", "LOW,HIGH", or empty for the band minimising
    # 10·FN + 1·FP + REVIEW_COST·reviews on the bundle's validation set
    REVIEW_BAND: str = ""
    #: the cost of one human review, in units of a good client refused (FP = 1, FN = 10)
    REVIEW_COST: float = Field(0.9, ge=0)
    #: a recourse option must bring the probability of default this far under the threshold
    #: (probability points: 0.005 = half a point), so that it does not sit on the edge of a refusal
    RECOURSE_MARGIN: float = Field(0.005, ge=0, lt=1)

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        legacy_local = [
            self.LOCAL_MODEL_PATH,
            self.LOCAL_KEPT_PATH,
            self.LOCAL_CAT_PATH,
            self.LOCAL_THRESHOLD_PATH,
        ]
        if any(legacy_local) and not all(legacy_local):
            raise ValueError(
                "LOCAL_MODEL_PATH, LOCAL_KEPT_PATH, LOCAL_CAT_PATH and LOCAL_THRESHOLD_PATH must be set together"
            )
        legacy_hf = [self.HF_MODEL_PATH, self.HF_KEPT_PATH, self.HF_CAT_PATH, self.HF_THRESHOLD_PATH]
        if any(legacy_hf) and not all(legacy_hf):
            raise ValueError(
                "HF_MODEL_PATH, HF_KEPT_PATH, HF_CAT_PATH and HF_THRESHOLD_PATH must be set together"
            )
        if self.BUNDLE_SOURCE == "hf" and not self.HF_REPO_ID:
            raise ValueError("BUNDLE_SOURCE=hf needs HF_REPO_ID (e.g. 'org/model-repo')")
        if self.BUNDLE_SOURCE == "mlflow" and not (self.MLFLOW_MODEL_URI or "").strip():
            raise ValueError(
                "BUNDLE_SOURCE=mlflow needs MLFLOW_MODEL_URI (e.g. 'models:/pret-a-depenser-catboost/1')"
            )
        return self

    @property
    def uses_legacy_local(self) -> bool:
        """True when the four LOCAL_*_PATH variables point at a legacy bundle."""
        return self.LOCAL_MODEL_PATH is not None

    @property
    def uses_legacy_hf(self) -> bool:
        """True when the four HF_*_PATH variables name the files of a legacy bundle."""
        return self.HF_MODEL_PATH is not None

    def database_url(self) -> str:
        """The SQLAlchemy URL of the store (a secret: never log it; see :func:`core.store.safe_url`)."""
        if self.DATABASE_URL is not None and self.DATABASE_URL.get_secret_value().strip():
            return self.DATABASE_URL.get_secret_value().strip()
        return f"sqlite:///{self.STORE_PATH}"

    @property
    def embedded_store(self) -> bool:
        """True when the store is the embedded SQLite file (no DATABASE_URL)."""
        return self.DATABASE_URL is None or not self.DATABASE_URL.get_secret_value().strip()

    def analysts(self) -> set[str]:
        """Dashboard users with the analyst role (lower-cased e-mails)."""
        return {a.strip().lower() for a in self.DASHBOARD_ANALYSTS.split(",") if a.strip()}

    def bundle_dir(self) -> Path:
        """The local bundle folder: BUNDLE_DIR, or the demo bundle."""
        return self.BUNDLE_DIR or DEMO_BUNDLE_DIR


def _first_sentence(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "configuration"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "Invalid configuration: " + "; ".join(parts) + "."


def load_settings() -> Settings:
    """Read the settings from the environment; a bad configuration raises one clear ConfigError."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_first_sentence(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
