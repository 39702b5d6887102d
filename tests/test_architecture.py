"""``make lint`` enforces the layers of docs/architecture.md, and a forbidden import fails it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's contracts, over the ``chatactions`` under ``tree``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_of_the_package(tmp_path: Path) -> Path:
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "chatactions", tmp_path / "chatactions", ignore=skip)
    return tmp_path


def test_the_package_keeps_every_contract(tmp_path: Path) -> None:
    result = lint(copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_core_importing_the_public_api_even_for_types_fails_the_lint(tmp_path: Path) -> None:
    tree = copy_of_the_package(tmp_path)
    fanout = tree / "chatactions" / "core" / "fanout.py"
    source = fanout.read_text()
    fanout.write_text(
        source.replace(
            "from typing import Any\n",
            "from typing import TYPE_CHECKING, Any\n\nif TYPE_CHECKING:\n"
            "    from ..message import Message\n",
        )
    )
    result = lint(tree)
    assert result.returncode != 0
    assert "The core never imports the public API, not even for types BROKEN" in result.stdout
    assert "chatactions.core.fanout -> chatactions.message" in result.stdout


def test_a_door_reaching_past_dispatch_fails_the_lint(tmp_path: Path) -> None:
    tree = copy_of_the_package(tmp_path)
    views = tree / "chatactions" / "views.py"
    views.write_text(views.read_text() + "\nfrom .core import fanout  # noqa: E402\n")
    result = lint(tree)
    assert result.returncode != 0
    assert "The doors reach the core only through dispatch BROKEN" in result.stdout
