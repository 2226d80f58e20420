"""Install as users do: the wheel (not an editable install) in a fresh virtual environment, used from
another directory. It must carry the demo bundle and the dashboard's Streamlit configuration."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; its dependencies come from this environment (a .pth file
    pointing at its site-packages, after the venv's own), so nothing is downloaded but the build backend
    (a venv's --system-site-packages would see the base interpreter's packages, not this venv's)."""
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    [wheel] = (work / "dist").glob("pret_a_depenser-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--ignore-installed", "-q", str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    # then the dependencies (a plain path line: none of that directory's .pth files run, so this
    # checkout's own editable install of the package is not seen; --ignore-installed above, likewise)
    (Path(purelib) / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir


def _run(env_dir: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUNDLE_", "HF_", "PYTHONPATH"))}
    env["STORE_PATH"] = str(cwd / "store.sqlite")
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_wheel_scores_the_example_from_another_directory(installed, tmp_path):
    python = str(installed / "bin" / "python")
    where = _run(installed, [python, "-c", (
        "import core, core.config as c, core.cli.serve as s;"
        "print(core.__file__); print(c.DEMO_BUNDLE_DIR); print((s.DASHBOARD_APP.parent / '.streamlit' / 'config.toml').is_file())"
    )], tmp_path)  # fmt: skip
    assert where.returncode == 0, where.stderr
    module, bundle, config = where.stdout.split()
    assert module.startswith(str(installed)) and bundle.startswith(str(installed))  # not this checkout
    assert (Path(bundle) / "model.cbm").is_file() and config == "True"
    scored = _run(
        installed,
        [str(installed / "bin" / "pad"), "score", str(REPO / "examples" / "input_example.json")],
        tmp_path,
    )
    assert scored.returncode == 0, scored.stderr
    header, row = scored.stdout.splitlines()[:2]
    assert header.startswith("row,SK_ID_CURR,probability,decision,") and row.startswith("1,980000001,")
    assert "ACCEPTED" in row or "REFUSED" in row
    assert "Traceback" not in scored.stderr
