"""The sample extension, loaded unpacked into Chromium, on a stand-in compose page."""

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
HOSTILE = "Hi Dana, you clowns wasted my time and I will leave a review on Glassdoor."


def configure(context, backend: str):
    worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
    extension_id = worker.url.split("/")[2]
    options = context.new_page()
    options.goto(f"chrome-extension://{extension_id}/options.html")
    options.fill("#backend", backend)
    options.click("button[type=submit]")
    options.wait_for_selector("#saved:has-text('Saved')")
    options.close()


def test_the_extension_underlines_a_typed_sentence_and_its_panel_shows_the_rewrite(
    extension_context, service, reply_page_url
):
    url, app = service
    configure(extension_context, url)
    page = extension_context.new_page()
    page.goto(reply_page_url)
    scored_before = app.paths["/v1/score"]

    # Typing in a box the candidate has not turned the extension on for sends nothing.
    page.click("#subject")
    page.keyboard.type(" — you clowns")
    page.wait_for_timeout(800)
    assert app.paths["/v1/score"] == scored_before
    assert page.locator(".reply-coach-mirror mark").count() == 0

    page.click("#reply")
    page.locator("#reply-coach-panel .enable").click()
    assert app.paths["/v1/score"] == scored_before  # turning it on sends nothing either
    page.keyboard.type(HOSTILE)
    mark = page.wait_for_selector(".reply-coach-mirror mark.critical")
    assert "clowns" in mark.text_content()
    assert app.paths["/v1/score"] > scored_before

    panel = page.locator("#reply-coach-panel .panel")
    assert panel.is_visible()
    assert panel.locator("button.fix").count() >= 1
    panel.locator("button.rewrite-button").click()
    page.wait_for_selector("#reply-coach-panel .rewrite-area:not([hidden])")
    rewrite = panel.locator(".rewrite").text_content()
    assert "Dana" in rewrite and "clowns" not in rewrite
    page.screenshot(path=str(DOCS / "extension.png"))

    # A fix from the panel edits the page's own textarea.
    panel.locator("button.fix").first.click()
    page.wait_for_function("() => !document.getElementById('reply').value.includes('clowns')", polling=100)


def test_the_extension_underlines_in_a_rich_text_box(extension_context, service, reply_page_url):
    configure(extension_context, service[0])
    page = extension_context.new_page()
    page.goto(reply_page_url)
    page.click("#note")
    page.locator("#reply-coach-panel .enable").click()
    page.keyboard.type(HOSTILE)
    page.wait_for_function("() => CSS.highlights.has('reply-coach-critical') && CSS.highlights.get('reply-coach-critical').size > 0", polling=100)
