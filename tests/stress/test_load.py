"""`make stress`: 8 people at once in real browser tabs against one `streamlit run` process.

All are answered, from their own company, with their own history; nothing fails; the process
stays under 3 GB. Prints each tab's wait and what the last ones were told while they waited.
Takes a few minutes, so `make test` leaves it out (marker ``stress``).
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from real_helpers import ARTIFACTS, streamlit_app
from test_app_e2e import browser, index_dir  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.real, pytest.mark.stress]
QUESTIONS = [("Does 123RF sell my personal information?", "123RF"), ("Can I delete my Picroma account?", "Picroma"),
             ("Does PanoramaStock use cookies?", "PanoramaStock"), ("Does Optokingdom share my address?", "Optokingdom"),
             ("Does Paletten Camera sell my data?", "Paletten"), ("How long does 123RF keep my data?", "123RF"),
             ("Does Picroma use cookies?", "Picroma"), ("Who does PanoramaStock share my data with?", "PanoramaStock")]


def rss_gb(pid: int) -> float:
    """Resident memory of a process and its children, in GB."""
    total = 0
    for p in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total / 1e9


def test_eight_tabs_at_once(browser, index_dir, capsys):  # noqa: F811
    from playwright.sync_api import expect

    peak, stop = [0.0], threading.Event()
    with streamlit_app({"PLAINPOLICY_INDEX_DIR": str(index_dir)}, "stress-server.log") as (url, server):

        def watch() -> None:
            while not stop.wait(0.5):
                peak[0] = max(peak[0], rss_gb(server.pid))

        threading.Thread(target=watch, daemon=True).start()
        try:
            pages = []
            for question, _ in QUESTIONS:  # each tab its own browser context: its own session
                page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
                page.goto(url)
                pages.append(page)
            for page in pages:
                expect(page.get_by_test_id("stChatInputTextArea")).to_be_editable(timeout=120_000)
                expect(page.get_by_test_id("stSidebar")).to_be_visible(timeout=120_000)
            sent = time.monotonic()
            for page, (question, _) in zip(pages, QUESTIONS):
                box = page.get_by_test_id("stChatInputTextArea")
                box.fill(question)
                box.press("Enter")
            waits, told = [None] * len(pages), [""] * len(pages)
            deadline = sent + 600
            while None in waits and time.monotonic() < deadline:
                for i, page in enumerate(pages):
                    if waits[i] is None:
                        if page.locator(".st-key-answer-0").count() and page.locator(".st-key-answer-0").inner_text().strip():
                            waits[i] = time.monotonic() - sent
                        elif not told[i]:
                            caption = page.get_by_text("ahead of you")
                            if caption.count():
                                told[i] = caption.first.inner_text()
                time.sleep(0.2)
            assert None not in waits, f"unanswered tabs: {[q for (q, _), w in zip(QUESTIONS, waits) if w is None]}"
            for n, (page, (question, company)) in enumerate(zip(pages, QUESTIONS)):
                expect(page.locator(".st-key-cite-0-1")).to_be_visible(timeout=120_000)
                messages = page.get_by_test_id("stChatMessage")
                expect(messages).to_have_count(2)  # its own question and its own answer, nothing else
                expect(messages.first).to_contain_text(question)
                expect(messages.nth(1)).to_contain_text(company)  # "Searched the … policy", and cited from it
                expect(page.get_by_test_id("stException")).to_have_count(0)
                expect(page.get_by_test_id("stAlert")).to_have_count(0)
                page.screenshot(path=str(ARTIFACTS / f"stress-tab{n}.png"))
        finally:
            stop.set()
    assert peak[0] < 3.0, f"peak memory {peak[0]:.2f} GB"
    assert any(told), "no tab was told its place in line"
    with capsys.disabled():
        order = sorted(range(len(waits)), key=waits.__getitem__)
        print(f"\n[stress] 8 tabs, one process: first answer text after "
              + ", ".join(f"{waits[i]:.1f}" for i in order) + " s; peak memory "
              f"{peak[0]:.2f} GB; told while waiting: {[t for t in told if t][:3]}", file=sys.stderr)
