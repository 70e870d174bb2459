"""Past one process: two `streamlit run` apps share one on-disk index (memory-mapped, read-only)
and one model server (llama-cpp-python's OpenAI-compatible server on 127.0.0.1), and both answer.

The README's "Several app processes" section describes the same set-up.
"""
from __future__ import annotations

from contextlib import ExitStack

import httpx
import pytest

from real_helpers import ANSWER_WAIT_MS, ARTIFACTS, streamlit_app
from test_app_e2e import browser, index_dir  # noqa: F401  (fixtures)
from test_generation_real import gguf, llama_server, settings  # noqa: F401  (fixtures)

pytestmark = pytest.mark.real
QUESTIONS = [("Does 123RF sell my personal information?", "123RF.com will never sell your Personal Information"),
             ("Can I delete my Picroma account?", "Picroma")]


def test_two_apps_one_index_one_model_server(browser, index_dir, llama_server):  # noqa: F811
    from playwright.sync_api import expect

    model = httpx.get(llama_server + "/models", timeout=5).json()["data"][0]["id"]
    env = {"PLAINPOLICY_INDEX_DIR": str(index_dir), "PLAINPOLICY_BACKEND": "openai", "PLAINPOLICY_API_BASE": llama_server,
           "PLAINPOLICY_API_MODEL": model}
    with ExitStack() as apps:
        urls = [apps.enter_context(streamlit_app(env, f"scale-out-app{n}.log"))[0] for n in range(2)]
        pages = []
        for url, (question, _) in zip(urls, QUESTIONS):
            page = browser.new_page(viewport={"width": 1280, "height": 1200})
            page.goto(url)
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_be_editable(timeout=90_000)
            expect(page.get_by_test_id("stSidebar")).to_contain_text(llama_server.split("//")[1], timeout=90_000)  # answers come from the server
            box.fill(question)
            box.press("Enter")
            pages.append(page)
        for n, (page, (_, clause)) in enumerate(zip(pages, QUESTIONS)):
            card = page.locator(".st-key-cite-0-1")
            expect(card).to_be_visible(timeout=ANSWER_WAIT_MS)  # the server answers the two apps in turn
            expect(card).to_contain_text(clause)
            assert page.locator(".st-key-answer-0").inner_text().strip()
            expect(page.get_by_test_id("stException")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / f"scale-out-app{n}.png"))
