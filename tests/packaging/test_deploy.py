"""Deployment: the workflow deploys only this repository's pushes to main, and the upload (huggingface_hub's
API, binaries through large-file storage) works against the local fake Hub."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import huggingface_hub.constants
import pytest
import yaml

from tests.core.fake_hub import FakeHub

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((REPO / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
TEXT = (REPO / ".github/workflows/deploy.yml").read_text(encoding="utf-8")


def _deploy_module():
    spec = importlib.util.spec_from_file_location("deploy_space", REPO / "scripts" / "deploy_space.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_a_push_to_this_repositorys_main_is_deployed():
    trigger = WORKFLOW[True] if True in WORKFLOW else WORKFLOW["on"]  # YAML 1.1 reads `on` as True
    assert list(trigger) == ["workflow_run"] and trigger["workflow_run"]["workflows"] == ["CI"]
    condition = " ".join(WORKFLOW["jobs"]["deploy"]["if"].split())
    for clause in (
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",  # never a pull request, whatever its branch's name
        "github.event.workflow_run.head_branch == 'main'",
        "github.event.workflow_run.head_repository.full_name == github.repository",  # never a fork
    ):
        assert clause in condition, clause
    assert condition.count("&&") == 3  # all of them, not any


def test_the_workflow_uploads_with_the_api_and_keeps_the_token_quiet():
    steps = WORKFLOW["jobs"]["deploy"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    assert checkout["with"]["persist-credentials"] is False
    run = " ".join(str(s.get("run", "")) for s in steps)
    assert "scripts/deploy_space.py" in run and "git push" not in run
    assert "secrets.HF_TOKEN" in TEXT and "echo $HF_TOKEN" not in TEXT and "echo ${HF_TOKEN}" not in TEXT
    assert WORKFLOW["permissions"] == {} and WORKFLOW["jobs"]["deploy"]["permissions"] == {"contents": "read"}


def test_the_upload_sends_the_image_files_and_the_binaries_through_large_file_storage(monkeypatch, capsys):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)  # as the workflow sets it
    monkeypatch.setenv("HF_TOKEN", "hf_deploy_never_printed_42")
    deploy = _deploy_module()
    with FakeHub() as hub:
        assert deploy.main(["--space", "owner/space", "--note", "abc123", "--endpoint", hub.url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("deployed: ") and "hf_deploy_never_printed_42" not in out
    [commit] = hub.commits
    assert commit["repo"] == "owner/space" and commit["message"] == "Deploy abc123"
    files = commit["files"]
    bundle = sorted(p for p in files if p.startswith("assets/demo_bundle/"))
    binaries = [p for p in bundle if p.endswith((".cbm", ".parquet"))]
    assert binaries and all(files[p] == "lfs" for p in binaries)  # never inside a commit or a git push
    assert files["Dockerfile"] == files["api/main.py"] == files["pyproject.toml"] == "regular"
    assert {"README.md", "dashboard/.streamlit/config.toml", "examples/input_example.json"} <= set(files)
    assert not any(
        p.startswith(("tests/", ".git/", ".github/", "benchmarks/")) or "__pycache__" in p for p in files
    )
    space = hub.files["owner/space"]
    assert all(space[p] == (REPO / p).read_bytes() for p in binaries)  # arrived intact
    assert hub.validated and hub.validated[0].startswith("---")  # the Space card's front matter
    authorizations = {auth for method, _, auth in hub.requests if method == "POST"}
    assert authorizations == {"Bearer hf_deploy_never_printed_42"}


def test_a_malformed_space_id_is_refused(capsys):
    assert _deploy_module().main(["--space", "not-a-space-id"]) == 2
    assert "is not a Space id like owner/space-name" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_workflows_name_no_write_permission(name):
    assert ": write" not in (REPO / ".github/workflows" / name).read_text(encoding="utf-8")
