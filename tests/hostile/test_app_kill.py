"""kill -9 of the app process while "Add a policy" is indexing an upload, in a real browser: the
index the app had still loads, the app starts again and answers, and the upload can be redone."""
from __future__ import annotations

import random
import shutil

import pytest

from plainpolicy.settings import Settings
from real_helpers import streamlit_app
from retrieval.index import load_index
from retrieval.runtime import index_config
from test_app_e2e import browser, index_dir  # noqa: F401  (fixtures)

pytestmark = pytest.mark.real
# Large enough that indexing it takes far longer than the kill's 3 s (3,000 parts: about 8,000
# passages, 14 s here; 400 parts took 1.5 s, and the upload sometimes finished before the kill).
POLICY = "\n\n".join(f"# Part {i}\n\nBigCo keeps record {i} of your visits for {i + 1} months. "
                     f"Partner {i} may receive your e-mail address to send you offers." for i in range(3000))


def add_upload(page, path) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stSidebar")).to_be_visible(timeout=90_000)
    page.get_by_text("Add a policy").click()
    page.locator("input[type=file]").first.set_input_files(str(path))
    # Streamlit ignores a form's submit while its file is still uploading (that lost a click in CI):
    # wait, as a person would, until the upload is done ("Cancel upload of …" became "Remove …").
    expect(page.get_by_role("button", name=f"Remove {path.name}")).to_be_visible(timeout=30_000)
    button = page.get_by_role("button", name="Add this policy").first
    expect(button).to_be_enabled(timeout=30_000)
    button.click()


def intact(index_dir_path, expect_ids: set[str]) -> set[str]:
    index = load_index(index_dir_path, index_config(Settings(index_dir=index_dir_path)))
    assert expect_ids <= set(index.policies)
    for c in index.chunks:
        assert index.policies[c.policy_id].text[c.start:c.end] == c.text
    return set(index.policies)


def test_kill_9_while_the_app_adds_a_policy(browser, index_dir, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    live = tmp_path / "index"
    shutil.copytree(index_dir, live)
    upload = tmp_path / "bigco.txt"
    upload.write_text(POLICY)
    seeds = intact(live, set())
    rng = random.Random(3)
    env = {"PLAINPOLICY_INDEX_DIR": str(live)}
    for n in range(3):
        with streamlit_app(env, f"kill-app{n}.log") as (url, app):
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url)
            add_upload(page, upload)
            expect(page.get_by_text("Indexing:")).to_be_visible(timeout=60_000)  # the upload is being embedded
            page.wait_for_timeout(rng.uniform(100, 3000))
            app.kill()  # SIGKILL, mid-way
            app.wait()
            page.close()
        assert intact(live, seeds) == seeds, f"kill {n}"  # the index as it was before the upload
    with streamlit_app(env, "kill-app-after.log") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        add_upload(page, upload)
        expect(page.get_by_text("It is selected above")).to_be_visible(timeout=180_000)  # this time it finishes
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("How long does BigCo keep record 7 of my visits?")
        box.press("Enter")
        expect(page.locator(".st-key-cite-0-1")).to_be_visible(timeout=120_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
    assert intact(live, seeds) == seeds | {"bigco"}
