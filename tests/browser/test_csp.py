"""The Content-Security-Policy breaks nothing: Chromium reports no violation on the home page,
a watch page while it plays (captions and storyboard preview included), the embed page, the
portal's upload page, a video's portal page while its preview plays, and the API reference.

The other browser tests run with the policy bypassed (tests/browser/conftest.py): Playwright's
wait_for_function uses eval() in the page, which the policy rightly refuses. Here the policy
holds, and waiting is done by polling page.evaluate (which is not eval in the page)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from careers_tv.models import Role
from tests.browser.test_watch_player import (
    TIMEOUT_MS,
    published_clip,  # noqa: F401 - a fixture
)
from tests.factories import PASSWORD, UserFactory

# Runs before any script of the page: a violation anywhere, even the first, is noted.
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.effectiveDirective + " blocked " + (event.blockedURI || "inline")
                            + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": False}  # the policy as a viewer gets it


@pytest.fixture
def watched(page: Page):
    """The page, listening for violations (as DOM events and as console errors)."""
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(LISTEN)
    yield page, console


def violations(page: Page, console: list[str]) -> list[str]:
    page.wait_for_timeout(300)  # reports are queued as tasks: let them arrive
    seen = page.evaluate("window.cspViolations") + console
    console.clear()
    return seen


def wait_until(page: Page, expression: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """page.wait_for_function evaluates its argument with eval() in the page, which the
    policy forbids (as it should): poll from here instead (page.evaluate is not eval)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout_ms} ms: {expression}")


def play(page: Page, selector: str) -> None:
    page.evaluate(f"() => {{ const v = document.querySelector('{selector}');"
                  " v.muted = true; v.play(); }")
    wait_until(page, f"document.querySelector('{selector}').currentTime > 1.0"
                     " || !!window.playerFatal")


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/portal/login?lang=en")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Videos", exact=True)).to_be_visible()


@pytest.fixture
def editor(committed):
    user = UserFactory(role=Role.EDITOR, email="editor.csp@example.com")
    committed.commit()
    return user


def test_no_page_breaks_the_policy(watched, proxy, published_clip, editor):  # noqa: F811
    page, console = watched
    public_id, _heights = published_clip
    found: dict[str, list[str]] = {}

    page.goto(f"{proxy.url}/?lang=en")
    found["home"] = violations(page, console)

    page.goto(f"{proxy.url}/videos/{public_id}?lang=en")
    play(page, "video")
    assert page.evaluate("window.playerFatal") is None
    page.locator("[data-settings]").click()  # the caption track from storage
    page.locator("[data-open=captions]").click()
    page.get_by_label("Français").check()
    page.locator("#player-seek").hover()  # the storyboard preview (a sprite from storage)
    page.wait_for_timeout(500)
    found["watch"] = violations(page, console)

    page.goto(f"{proxy.url}/embed/{public_id}")
    play(page, "video")
    assert page.evaluate("window.playerFatal") is None
    found["embed"] = violations(page, console)

    sign_in(page, proxy.url, editor.email)
    page.goto(f"{proxy.url}/portal/videos/new?lang=en")  # the tus upload widget
    found["portal upload"] = violations(page, console)

    page.goto(f"{proxy.url}/portal/videos/{public_id}?lang=en")
    play(page, "#preview-player")
    assert page.evaluate("document.getElementById('preview-player').dataset.error") is None
    found["portal video"] = violations(page, console)

    page.goto(f"{proxy.url}/api/v1/docs?lang=en")
    page.locator(".opblock").first.wait_for()
    found["API reference"] = violations(page, console)

    assert found == {name: [] for name in found}
