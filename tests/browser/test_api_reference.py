"""The API reference page: Swagger UI renders every operation of openapi.json, from our own
static files, and its "Try it out" reaches the API."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_the_reference_renders_every_operation_and_calls_the_api(page: Page, proxy):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(proxy.url)
            else outside.append(request.url))
    page.goto(proxy.url + "/api/v1/docs?lang=en")
    expect(page.locator(".opblock").first).to_be_visible()
    document = page.request.get(proxy.url + "/api/v1/openapi.json").json()
    operations = sum(len(methods) for methods in document["paths"].values())
    assert operations == 16
    assert page.locator(".opblock").count() == operations
    assert page.locator(".opblock-summary-path", has_text="/channels/{slug}/videos").count() == 1

    block = page.locator(".opblock-get", has=page.locator(
        ".opblock-summary-path", has_text="/channels")).filter(has_not_text="{slug}").first
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    expect(block.locator(".live-responses-table tbody .response-col_status").first
           ).to_have_text("200")
    expect(block.locator(".live-responses-table")).to_contain_text("temoignages")
    assert errors == []
    assert outside == []  # nothing from a CDN: the page works behind a strict CSP too
