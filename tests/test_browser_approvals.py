"""Approvals in a real browser: approve, edit (an invalid value, then a valid one), reject.

The demo's assistant (a Pydantic AI agent on its scripted model) proposes
``delete_file`` when asked to delete a file; the owner answers by label and
role, as a person would.
"""

from __future__ import annotations

import contextlib

import pytest

from .servers import Daphne
from .test_browser import (  # noqa: F401  (fixtures: one Chromium and one daphne per module)
    assert_no_csp_violations,
    browser,
    contents,
    context,
    errors,
    page,
    say,
    server,
    start,
)

with contextlib.suppress(ImportError):  # a laptop without the dev extra: test_browser skips
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.live

ASKED = "The assistant wants to run delete_file."


def propose(page: Page, server: Daphne, path: str) -> None:
    start(page, server)
    say(page, f"delete the file {path}")
    expect(contents(page).last).to_contain_text(ASKED)
    expect(contents(page).last).to_contain_text(path)


def test_approve(page: Page, server: Daphne) -> None:
    propose(page, server, "notes.txt")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(contents(page).last).to_have_text("Okay, deleting 'notes.txt'... (Not really!)")
    expect(page.get_by_text("Approved.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Reject")).to_have_count(0)
    assert_no_csp_violations(page)


def test_edit_with_an_invalid_value_then_a_valid_one(page: Page, server: Daphne) -> None:
    propose(page, server, "notes.txt")
    path = page.get_by_label("Path")
    expect(path).to_have_value("notes.txt")  # drawn with the arguments shown
    path.fill("")
    page.get_by_role("button", name="Approve with these changes").click()
    expect(path).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_role("button", name="Approve", exact=True)).to_be_visible()  # undecided
    page.get_by_label("Path").fill("drafts/old.txt")
    page.get_by_label("Recursive").check()
    page.get_by_role("button", name="Approve with these changes").click()
    expect(contents(page).last).to_have_text("Okay, deleting 'drafts/old.txt'... (Not really!)")
    expect(page.get_by_text("Approved with changes:")).to_be_visible()
    expect(page.locator(".ca-form")).to_have_count(0)


def test_reject_with_a_reason(page: Page, server: Daphne) -> None:
    propose(page, server, "backup.tar")
    page.get_by_label("Reason (optional)").fill("that is the only backup")
    page.get_by_role("button", name="Reject").click()
    expect(contents(page).last).to_have_text(
        "Understood, I won't delete it (that is the only backup)."
    )
    expect(page.get_by_text("Rejected.", exact=True)).to_be_visible()
