"""End to end in a real browser: ``streamlit run app.py`` with the real index and default model,
driven through Debian's Chromium (never a browser Playwright downloads).

Prints how long the chat box takes to become usable and the first answer text to appear, and
saves screenshots to tests/artifacts/. Skipped when /usr/bin/chromium is missing, unless
PLAINPOLICY_REQUIRE_BROWSER=1 (as in CI), which makes a missing browser a failure.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from real_helpers import ANSWER_WAIT_MS, ARTIFACTS, ROOT, streamlit_app

CHROMIUM = Path("/usr/bin/chromium")
QUESTION = "Does 123RF sell my personal information?"
SECOND_QUESTION = "Can I delete my account?"
CLAUSE = "123RF.com will never sell your Personal Information to any third party"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    built = ROOT / ".plainpolicy" / "index"
    if (built / "CURRENT").exists():
        return built
    out = tmp_path_factory.mktemp("index")
    subprocess.run([str(ROOT / ".venv" / "bin" / "plainpolicy"), "index", str(ROOT / "corpus"), "--out", str(out)],
                   cwd=ROOT, check=True, env=os.environ | {"HF_HUB_OFFLINE": "1"})
    return out


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("PLAINPOLICY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (install Debian's chromium: make browser)")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()


def test_ask_in_a_real_browser(browser, index_dir, capsys):
    from playwright.sync_api import expect

    started = time.monotonic()
    with streamlit_app({"PLAINPOLICY_INDEX_DIR": str(index_dir)}, "e2e-server.log") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        expect(page.get_by_text("Getting ready")).to_be_visible(timeout=30_000)  # the loading state
        chat_box = page.get_by_test_id("stChatInputTextArea")
        problem = page.get_by_test_id("stAlert")
        expect(chat_box.or_(problem)).to_be_visible(timeout=ANSWER_WAIT_MS)
        if problem.count():
            pytest.fail(f"the app did not start: {problem.first.inner_text()}")
        expect(chat_box).to_be_editable()
        ready = time.monotonic() - started
        page.screenshot(path=str(ARTIFACTS / "e2e-welcome.png"))

        chat_box.fill(QUESTION)
        chat_box.press("Enter")
        sent = time.monotonic()
        answer = page.locator(".st-key-answer-0")
        expect(answer).not_to_have_text("", timeout=ANSWER_WAIT_MS)
        first_text = time.monotonic() - sent

        card = page.locator(".st-key-cite-0-1")
        expect(card).to_be_visible(timeout=ANSWER_WAIT_MS)
        done = time.monotonic() - sent
        expect(page.locator("mark", has_text=CLAUSE).first).to_be_visible()
        assert CLAUSE in card.inner_text()
        assert answer.inner_text().strip()
        expect(page.get_by_test_id("stException")).to_have_count(0)

        card.get_by_role("button", name="See it in the full policy").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.locator("mark", has_text=CLAUSE)).to_be_in_viewport(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "e2e-full-policy.png"))
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)

        # A second question, once the model has warmed up: the usual wait.
        chat_box.fill(SECOND_QUESTION)
        chat_box.press("Enter")
        sent = time.monotonic()
        expect(page.locator(".st-key-answer-1")).not_to_have_text("", timeout=ANSWER_WAIT_MS)
        second_text = time.monotonic() - sent
        expect(page.locator(".st-key-cite-1-1")).to_be_visible(timeout=ANSWER_WAIT_MS)  # up to five companies
        answer_1 = page.locator(".st-key-answer-1").inner_text()
        companies = {"123RF", "PanoramaStock", "Paletten Camera", "Picroma", "Optokingdom"}
        named = {line.split(":")[0].strip() for line in answer_1.splitlines() if ":" in line}
        assert len(named & companies) >= 2, answer_1  # "All policies": a line per company
        page.set_viewport_size({"width": 1280, "height": 1700})  # the chat scrolls inside the page
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "e2e.png"))

        # One policy at a glance: the seed policies' summaries are shipped ready.
        page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="123RF", exact=True).click()
        page.get_by_role("button", name="This policy at a glance").click()
        summary = page.locator(".st-key-summary-card")
        expect(summary).to_be_visible(timeout=20_000)
        expect(summary).to_contain_text("They do not sell your personal data.")
        expect(summary).to_contain_text(CLAUSE)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        summary.screenshot(path=str(ARTIFACTS / "e2e-summary.png"))
    with capsys.disabled():
        print(f"\n[e2e] chat box usable {ready:.1f} s after `streamlit run` started; first question sent at once: "
              f"first answer text after {first_text:.1f} s, answer and sources after {done:.1f} s; "
              f"second question: first answer text after {second_text:.1f} s", file=sys.stderr)
