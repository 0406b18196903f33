"""Architecture contracts: engines are plain Python that never import Django or the apps."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_engines_never_import_django():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Engines never import Django or the apps KEPT" in result.stdout


def test_the_kinward_command_lists_every_subcommand_with_a_line_each():
    result = subprocess.run([sys.executable, "-m", "kinward.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("demo", "serve", "worker", "check", "audit", "migrate"):
        assert f"    {command} " in result.stdout, command
