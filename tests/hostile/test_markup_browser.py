"""In a real browser: markup in a policy and in a question never runs or loads anything.

A policy full of `<img onerror>`, `javascript:` links, Markdown images and `<style>` is indexed beside
the seeds; a question carrying the same is asked about it. No dialog opens, no script sets its
marker, no request leaves the page's own server, and the text is shown as text.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from real_helpers import ARTIFACTS, ROOT, streamlit_app
from test_app_e2e import browser  # noqa: F401  (a fixture)

pytestmark = pytest.mark.real

PAYLOAD = ('<img src=x onerror="window.__pwned=1;alert(1)"> [click me](javascript:window.__pwned=2) '
           '![tracker](http://198.51.100.7/pixel.png) <style>body{display:none}</style> '
           '<a href="javascript:alert(3)">link</a> <svg onload="window.__pwned=4"></svg> '
           '<iframe src="http://198.51.100.7/"></iframe> user@example.com')
POLICY = ("# Markup Co privacy policy\n\n"
          f"Markup Co never sells your personal information to anyone. {PAYLOAD}\n\n"
          f"# Deletion\n\nYou can delete your account at any time. {PAYLOAD}\n")


def test_markup_in_a_policy_and_a_question_never_runs(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "markup-co.md").write_text(POLICY)
    index_dir = tmp_path / "index"
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PLAINPOLICY_INDEX_DIR": str(index_dir),
                        "PLAINPOLICY_CORPUS_DIR": str(corpus)}
    subprocess.run([str(ROOT / ".venv/bin/plainpolicy"), "index", str(corpus), "--out", str(index_dir)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    with streamlit_app(env, "markup-server.log") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        dialogs, outside = [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:", "blob:")) else None)
        page.goto(url)
        chat_box = page.get_by_test_id("stChatInputTextArea")
        expect(chat_box).to_be_editable(timeout=90_000)
        chat_box.fill(f"Does Markup Co sell my data? {PAYLOAD}")
        chat_box.press("Enter")
        expect(page.locator(".st-key-cite-0-1")).to_be_visible(timeout=120_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "markup.png"))
        assert page.evaluate("window.__pwned") is None
        assert not dialogs, dialogs
        assert not outside, outside
        expect(page.get_by_role("heading", name="plainpolicy")).to_be_visible()  # the <style> hid nothing
        assert page.locator("img[src='x'], svg[onload], iframe[src^='http://198'], a[href^='javascript:']").count() == 0
        # not even an address turned into a link
        assert page.locator("a[href^='mailto:'], a[href*='198.51.100.7'], a[href*='example.com']").count() == 0
        expect(page.get_by_test_id("stChatMessage").first).to_contain_text("example.com")
        expect(page.locator(".st-key-cite-0-1")).to_contain_text("onerror=")  # shown, as text
        expect(page.get_by_test_id("stException")).to_have_count(0)
