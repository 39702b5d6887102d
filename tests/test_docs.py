"""The docs are tested against the code: settings and their defaults, tests they name."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils.functional import Promise

from chatactions.conf import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_with_its_default() -> None:
    table = (ROOT / "docs" / "settings.md").read_text()
    documented = dict(re.findall(r"^\| `([A-Z_]+)` \| `([^`]+)` \|", table, re.MULTILINE))
    assert set(documented) == set(DEFAULTS)
    for name, default in DEFAULTS.items():
        shown = f'_("{default}")' if isinstance(default, Promise) else repr(default)
        assert documented[name] == shown.replace("'", '"'), name


def test_every_test_the_security_page_names_exists_in_the_file_it_names() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    text = text[text.index("## How each promise is tested") :]
    files = list(re.finditer(r"`(test_[a-z0-9_]+\.py)`", text))
    claimed = []
    for here, after in zip(files, [*files[1:], None], strict=True):
        end = after.start() if after else len(text)
        for name in re.findall(r"\btest_[a-z0-9_]+\b(?!\.py)", text[here.end() : end]):
            claimed.append((here.group(1), name))
    assert len(claimed) > 60
    missing = [
        (file, name)
        for file, name in claimed
        if not re.search(
            rf"^(?:async )?def {name}\(", (ROOT / "tests" / file).read_text(), re.MULTILINE
        )
    ]
    assert missing == []
