"""``pad COMMAND`` imports only its command's module: the table of commands matches what they register."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from core.cli import _COMMAND_MODULES, COMMANDS, build_parser


def test_the_table_of_commands_is_what_the_modules_register():
    registered = {}
    for module in _COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        registered |= dict.fromkeys(sub.choices, module)
    assert registered == COMMANDS
    assert set(COMMANDS.values()) == set(_COMMAND_MODULES)


def test_one_command_parses_as_with_every_command_registered():
    argv = ["-v", "score", "x.csv", "--explain", "--lang", "fr"]
    alone, every = build_parser("score").parse_args(argv), build_parser().parse_args(argv)
    assert vars(alone) == vars(every)


def test_pad_score_does_not_import_what_scoring_does_not_need():
    code = (
        "import sys; import core.cli as c; c.build_parser('score'); import core.cli.score; "
        "print(' '.join(m for m in ('fpdf', 'fairlearn', 'shap', 'plotly', 'mlflow', 'sklearn', "
        "'scipy.stats', 'core.serving.letter', 'core.data.synthetic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
