"""plainpolicy's browser page: a chat that answers questions about privacy policies in plain
words and shows, under every answer, the policy sentences it comes from.

UI only. Questions, policies and uploads go through ``answering.service.Assistant``; there is no
retrieval, prompt or answer-checking logic here. The Assistant comes from
``service.load_assistant()``, called once per process (``st.cache_resource``) in a background
thread while the page and chat box are already shown; tests replace that function with one that
returns an Assistant built on fakes (see tests/test_app.py).

Policy text is never rendered as markdown or HTML: it is HTML-escaped and placed in ``st.html``.
Other text from outside the app (questions, answers, policy names) is markdown-escaped.
Errors are logged with their stack trace; the page shows a short message instead.
"""
from __future__ import annotations

import html
import logging
import re
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Iterator

import plainpolicy  # noqa: F401  (first: sets OMP_WAIT_POLICY before torch, faiss or llama.cpp load)
import streamlit as st
from PIL import Image, ImageDraw

from answering import service
from answering.pipeline import MAX_QUESTION_CHARS, AnswerStream, QuestionError
from answering.summary import CategoryLine, FlagLine, Summary, compare
from answering.types import Answer, Citation, Shown, lead_line
from generation.base import GenerationError
from retrieval.chunking import heading_name
from retrieval.index import IndexError_

log = logging.getLogger("plainpolicy.app")

STARTERS = (
    "Do they sell my data?",
    "Can I delete my account?",
    "Who do they share my data with?",
    "How long do they keep my data?",
    "Do they use cookies?",
)
ALL = ""  # the policy picker's value for "All policies"
FILE_TYPES = ["txt", "md", "html", "htm", "pdf"]
ANSWER_FAILED = "Sorry, something went wrong while answering. Please try again, or ask in other words."
STYLE = """<style>
.pp-source { font-size: 0.9rem; margin-bottom: 0.4rem; }
.pp-section { color: rgba(49, 51, 63, 0.65); }
.pp-num { display: inline-block; min-width: 1.4em; padding: 0 0.35em; margin-right: 0.4em; border-radius: 0.5em;
  text-align: center; font-size: 0.8rem; font-weight: 600; color: #0054a3; background: rgba(28, 131, 225, 0.1); }
.pp-clause { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.55; font-size: 0.95rem;
  border-left: 3px solid rgba(49, 51, 63, 0.2); padding-left: 0.8rem; }
.pp-lead { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.9rem; color: rgba(49, 51, 63, 0.75);
  padding-left: calc(0.8rem + 3px); margin-bottom: 0.2rem; }
.pp-clause mark, .pp-full mark { background: #fff1a8; color: inherit; padding: 0 0.1em; border-radius: 0.2em; }
.pp-full { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.55; font-size: 0.95rem;
  max-height: 60vh; overflow-y: auto; padding: 0.8rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; }
.pp-full summary { cursor: pointer; color: rgba(49, 51, 63, 0.65); margin-bottom: 0.6rem; }
</style>"""

logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


LOADING = ("Getting ready: loading the policies and the language model (about 10 seconds, only the first time)… "
           "You can type your question already.")


@st.cache_resource(show_spinner=False)
def loading() -> Future[service.Assistant]:
    """The Assistant, loaded once per process in a background thread, so that the page and the
    chat box appear at once; a question typed meanwhile is answered when loading is done."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="plainpolicy-load").submit(service.load_assistant)


@st.cache_resource
def page_icon() -> Image.Image:
    """A plain square drawn here: a Material or emoji icon would be fetched from Google's or a CDN's
    servers, and nothing should leave this computer."""
    icon = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(icon).rounded_rectangle((4, 4, 60, 60), radius=12, fill=(36, 99, 235, 255))
    ImageDraw.Draw(icon).rectangle((20, 18, 44, 22), fill="white")
    for y in (30, 40):
        ImageDraw.Draw(icon).rectangle((20, y, 44, y + 3), fill="white")
    return icon


def main() -> None:
    st.set_page_config(page_title="plainpolicy: privacy policies in plain words", page_icon=page_icon())
    st.html(STYLE)
    state = st.session_state
    state.setdefault("messages", [])
    state.setdefault("form_round", 0)
    st.title("plainpolicy")
    st.caption("Ask what a privacy policy says. You get a short answer in plain words, "
               "and the exact sentences of the policy it comes from.")
    if "start_failed" in state:
        st.error(state.start_failed)
        return
    # The chat box first (it is pinned to the bottom of the page), so it works while loading.
    typed = st.chat_input("Ask about a privacy policy, e.g. “Does 123RF sell my data?”",
                          max_chars=MAX_QUESTION_CHARS, submit_mode="disable")
    assistant = load_assistant()
    if assistant.notice:
        st.info(md(assistant.notice), icon=":material/build:")
    sidebar(assistant)
    if typed:
        state.pop("view", None)  # a question goes back to the chat
    view = state.get("view")
    if view:
        show_view(view, assistant)
        return
    for i, entry in enumerate(state.messages):
        show_exchange(i, entry, assistant)
    question = (typed or state.pop("pending", None) or "").strip()
    if question:
        answer_now(question, assistant)
    elif not state.messages:
        welcome(assistant)


def load_assistant() -> service.Assistant:
    future = loading()
    if not future.done():
        with st.spinner(LOADING):
            wait([future])
    try:
        return future.result()
    except (IndexError_, FileNotFoundError, GenerationError, ValueError) as exc:
        log.exception("could not start")
        st.session_state.start_failed = f"plainpolicy could not start: {md(str(exc))}"
    except Exception:
        log.exception("could not start")
        st.session_state.start_failed = "plainpolicy could not start. The details are in the terminal where it runs."
    loading.clear()  # a new visit (page reload) tries again
    st.rerun()  # to show the message without the chat box


# --- sidebar ---------------------------------------------------------------------------------

def sidebar(assistant: service.Assistant) -> None:
    state = st.session_state
    names = dict(assistant.policies())
    if "select_next" in state:  # a policy was just added: select it (before the picker exists)
        state.policy = state.pop("select_next")
    if state.get("policy", ALL) not in names:
        state.policy = ALL
    with st.sidebar:
        st.button("New chat", icon=":material/edit_square:", on_click=new_chat, width="stretch")
        st.selectbox("Which policy?", [ALL, *names], key="policy",
                     format_func=lambda pid: names.get(pid, "All policies"),
                     help="Search one policy, or all of them at once.")
        st.caption("Or name the company in your question (“Does Picroma …”) to search its policy.")
        if "notice" in state:
            st.success(state.pop("notice"), icon=":material/check_circle:")
        if state.policy != ALL:
            st.button("This policy at a glance", icon=":material/summarize:", width="stretch",
                      on_click=open_view, args=(("summary", state.policy),), key="glance")
        with st.expander("Compare policies", icon=":material/compare_arrows:"):
            picked = st.multiselect("Pick 2 to 5 policies", list(names), format_func=names.get,
                                    max_selections=5, key="compare_pick")
            st.button("Compare", disabled=len(picked) < 2, on_click=open_view,
                      args=(("compare", *picked),), key="compare_go")
        with st.expander("Add a policy", icon=":material/note_add:"):
            add_policy_forms(assistant)
        st.divider()
        st.caption(f"Answers are written by **{md(assistant.backend_name)}**, on this computer. "
                   "Nothing you type leaves it.")
        st.caption("Every answer shows the policy's own words, so you can check it. This is not legal advice.")


def new_chat() -> None:
    st.session_state.messages = []
    st.session_state.pop("pending", None)
    st.session_state.pop("view", None)


def open_view(view: tuple[str, ...]) -> None:
    st.session_state.view = view


# --- at a glance, and compare ----------------------------------------------------------------

def show_view(view: tuple[str, ...], assistant: service.Assistant) -> None:
    kind, *ids = view
    st.button("Back to the chat", icon=":material/arrow_back:", on_click=st.session_state.pop,
              args=("view", None), key="back")
    ids = [pid for pid in ids if pid in dict(assistant.policies())]
    summaries = [summary_with_progress(assistant, pid) for pid in ids]
    if None in summaries or not summaries:
        return
    if kind == "summary":
        summary_card(summaries[0], assistant)
    else:
        compare_table(summaries)


def summary_with_progress(assistant: service.Assistant, policy_id: str) -> Summary | None:
    found = assistant.cached_summary(policy_id)
    if found is not None:
        return found
    name = assistant.policy(policy_id).name
    text = assistant.policy_text(policy_id)
    bar = st.progress(0.0, text=f"Reading the {md(name)} policy, topic by topic (a minute or two, only the first time)…")
    holder = st.empty()  # the lines made so far, to read while the rest is made
    so_far = holder.container(border=True, key=f"summary-so-far-{policy_id}")
    so_far.caption(f"{md(name)}: each line appears here once it is checked; flags come last.")

    def progress(done: int, total: int, what: str) -> None:
        bar.progress(done / total if total else 1.0, text=f"{md(name)}: {done} of {total} topics done")

    def on_line(line: CategoryLine | FlagLine) -> None:
        with so_far:
            (category_line if isinstance(line, CategoryLine) else flag_line)(line, text)

    try:
        made = assistant.summary(policy_id, progress, on_line)
    except Exception:
        log.exception("could not summarise %s", policy_id)
        bar.empty()  # the lines made before the failure stay
        st.error("Sorry, this summary could not be made. The details are in the terminal where plainpolicy runs.")
        return None
    bar.empty()
    holder.empty()
    return made


def summary_card(summary: Summary, assistant: service.Assistant) -> None:
    text = assistant.policy_text(summary.policy_id)
    with st.container(border=True, key="summary-card"):
        st.subheader(f"{md(summary.title)} at a glance")
        st.caption("Each line is checked against the policy's own words, shown under it. Not legal advice.")
        for title, red in (("Red flags", True), ("Good signs", False)):
            flags = [f for f in summary.flags if f.red == red]
            st.markdown(f"**{title}**")
            if not flags:
                st.caption("None of the ones we look for.")
            for f in flags:
                flag_line(f, text)
        st.divider()
        for line in summary.categories:
            category_line(line, text)


def flag_line(flag: FlagLine, text: str) -> None:
    icon = ":material/flag:" if flag.red else ":material/check_circle:"
    st.markdown(f"{icon} {md(flag.text)} `{flag.flag}`")
    quote_html(flag.citations, text)


def category_line(line: CategoryLine, text: str) -> None:
    st.markdown(f"**{md(line.category)}:** {md(line.text)}")
    quote_html(line.citations, text)


def quote_html(citations, text: str) -> None:
    for c in citations:
        st.html(f'{lead_html(c)}<div class="pp-clause">{policy_html(text[c.start:c.end])}</div>')


def compare_table(summaries: list[Summary]) -> None:
    st.subheader("Side by side")
    st.caption("🚩 marks a red flag, ✅ a good sign. Each cell quotes the policy sentence it comes from.")
    rows = compare(summaries)
    # A dataframe shows cell text as plain text: nothing from a policy becomes markup.
    st.dataframe([{"": r["row"], **{s.title: r[s.title] for s in summaries}} for r in rows],
                 hide_index=True, key="compare-table")


def add_policy_forms(assistant: service.Assistant) -> None:
    n = st.session_state.form_round  # a new round gives empty forms after a policy was added
    upload_tab, paste_tab = st.tabs(["Upload a file", "Paste text"])
    with upload_tab, st.form(f"upload-{n}", border=False):
        file = st.file_uploader("Policy file (.txt, .md, .html, .pdf)", type=FILE_TYPES, key=f"upload-file-{n}")
        name = st.text_input("Name (optional)", placeholder="e.g. Acme", max_chars=service.MAX_NAME_CHARS,
                             key=f"upload-name-{n}", help="Shown in the policy list. Without one, the file name is used.")
        if st.form_submit_button("Add this policy", type="primary", key=f"upload-add-{n}"):
            if file is None:
                st.warning("Please choose a file first.")
            else:
                add_policy(assistant, name=name, filename=file.name, data=file.getvalue())
    with paste_tab, st.form(f"paste-{n}", border=False):
        name = st.text_input("Name", placeholder="e.g. Acme", max_chars=service.MAX_NAME_CHARS, key=f"paste-name-{n}")
        text = st.text_area("Policy text", height=160, placeholder="Paste the whole privacy policy here.",
                            key=f"paste-text-{n}")
        if st.form_submit_button("Add this policy", type="primary", key=f"paste-add-{n}"):
            add_policy(assistant, name=name, text=text)


def add_policy(assistant: service.Assistant, **policy: str | bytes) -> None:
    bar = st.progress(0.0, text="Reading the policy…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Indexing: {done} of {total} passages")

    try:
        added = assistant.add_policy(progress=progress, **policy)
    except ValueError as exc:  # and PolicyFileError: their messages are written for the user
        log.info("policy refused: %s", exc)
        bar.empty()
        st.error(md(str(exc)), icon=":material/error:")
        return
    except Exception:
        log.exception("could not add a policy")
        bar.empty()
        st.error("Sorry, this policy could not be added. The details are in the terminal where plainpolicy runs.")
        return
    state = st.session_state
    state.select_next = added.id
    state.notice = f"Added “{added.name}”. It is selected above, so you can ask about it now."
    state.form_round += 1
    st.rerun()


# --- chat ------------------------------------------------------------------------------------

def welcome(assistant: service.Assistant) -> None:
    listed = and_list([name for _, name in assistant.policies()])
    with st.chat_message("assistant"):
        st.markdown(f"Hi! Ask me anything about the privacy policies of {md(listed)}. "
                    "I answer in plain words and show the exact sentences my answer comes from.")
        st.markdown("**Not sure what to ask? Try one of these:**")
        with st.container(horizontal=True):
            for i, question in enumerate(STARTERS):
                st.button(question, key=f"starter-{i}", on_click=ask_later, args=(question,))


def ask_later(question: str) -> None:
    st.session_state.pending = question


def answer_now(question: str, assistant: service.Assistant) -> None:
    """Stream the answer to a new question, then show its sources and keep it in the history."""
    state = st.session_state
    i = len(state.messages)
    with st.chat_message("user"):
        st.markdown(md(question))
    with st.chat_message("assistant"):
        chosen = state.policy or None
        answer, scope_line = None, "Searched all policies"
        try:
            scope_line = describe_scope(assistant, chosen, assistant.scope(question, chosen))
            st.caption(scope_line)
            waiting = st.empty()
            with assistant.turns.turn() as turn:
                while not turn.wait(timeout=0.5):
                    ahead = turn.ahead
                    waiting.caption(f":material/hourglass_top: {ahead} question{'s' if ahead != 1 else ''} "
                                    "ahead of you. Yours is next after "
                                    f"{'them' if ahead != 1 else 'it'}…")
                waiting.caption(":material/hourglass_top: Reading the policy…")
                stream = assistant.ask(question, chosen)
                with st.container(key=f"answer-{i}"):
                    st.write_stream(answer_pieces(stream, waiting))
                answer = stream.answer
        except QuestionError as exc:
            waiting.empty()
            st.warning(md(str(exc)), icon=":material/edit:")
        except Exception:
            log.exception("could not answer %r", question)
            st.error(ANSWER_FAILED, icon=":material/error:")
        if answer is not None:
            show_sources(i, answer, assistant)
    state.messages.append({"question": question, "answer": answer, "scope_line": scope_line})


def answer_pieces(stream: AnswerStream, waiting: st.delta_generator.DeltaGenerator) -> Iterator[str]:
    """The answer's pieces as markdown; the "Reading…" line goes when the first one arrives. A
    piece may be only a citation marker, for a clause checked after its sentence was shown: it
    gets the space ``answer_markdown`` puts between two badges."""
    for piece in stream:
        waiting.empty()
        yield (" " if piece.startswith("[") else "") + answer_markdown(piece)
    waiting.empty()


def show_exchange(i: int, entry: dict, assistant: service.Assistant) -> None:
    with st.chat_message("user"):
        st.markdown(md(entry["question"]))
    with st.chat_message("assistant"):
        st.caption(entry["scope_line"])
        answer: Answer | None = entry["answer"]
        if answer is None:
            st.error(ANSWER_FAILED, icon=":material/error:")
            return
        with st.container(key=f"answer-{i}"):
            st.markdown(answer_markdown(answer.text))
        show_sources(i, answer, assistant)


def describe_scope(assistant: service.Assistant, chosen: str | None, scope: str | None) -> str:
    if scope is None:
        return "Searched all policies"
    name = md(assistant.policy(scope).name)
    return f"From the **{name}** policy" + ("" if chosen else " (named in your question)")


def show_sources(i: int, answer: Answer, assistant: service.Assistant) -> None:
    if not answer.citations:
        return
    names = list(dict.fromkeys(cite.policy_name for cite in answer.citations))
    policies = f"{md(and_list(names))} polic{'ies' if len(names) > 1 else 'y'}"
    if answer.abstained:
        st.markdown(f"**The closest parts of the {policies}.** They do not answer the question directly:")
    else:
        st.markdown(f"**Where this comes from** (the {policies}):")
    for group in by_clause(answer.citations):
        first, text = group[0], assistant.policy_text(group[0].policy_id)
        with st.container(border=True, key=f"cite-{i}-{first.number}"):
            st.html(citation_html(group, text))
            if st.button("See it in the full policy", key=f"see-{i}-{first.number}", type="tertiary",
                         icon=":material/article:"):
                full_policy(group, text)


def by_clause(citations: tuple[Citation, ...]) -> list[list[Citation]]:
    """Citations grouped by the clause they sit in, so that a clause is shown once."""
    groups: dict[tuple[str, int, int], list[Citation]] = {}
    for cite in citations:
        groups.setdefault((cite.policy_id, cite.clause_start, cite.clause_end), []).append(cite)
    return list(groups.values())


def citation_html(group: list[Citation], text: str) -> str:
    """Source line, then the whole clause with the cited sentences highlighted. All escaped."""
    first = group[0]
    a = min(first.clause_start, *(c.start for c in group))
    b = max(first.clause_end, *(c.end for c in group))
    numbers = "".join(f'<span class="pp-num">{c.number}</span>' for c in group)
    section = f' · <span class="pp-section">{esc(first.section)}</span>' if first.section else ""
    return (f'<div class="pp-source">{numbers}<strong>{esc(first.policy_name)}</strong>{section}</div>'
            f'{lead_html(first)}<div class="pp-clause">{marked_html(text, a, b, group)}</div>')


def lead_html(cite: Shown) -> str:
    """A list item is read with the line that introduces its list; the reader sees it too,
    escaped, above the item ("" for anything else)."""
    return f'<div class="pp-lead">{policy_html(lead_line(cite))}</div>' if cite.lead else ""


@st.dialog("In the full policy", width="large")
def full_policy(group: list[Citation], text: str) -> None:
    """The whole policy, opening at the quoted clause; the text before it is folded away,
    since a page without JavaScript cannot scroll to it."""
    first = group[0]
    section = f" · {md(first.section)}" if first.section else ""
    st.markdown(f"**{md(first.policy_name)}** privacy policy{section}")
    a = min(first.clause_start, *(c.start for c in group), *(c.lead_start for c in group if c.lead))
    before = (f"<details><summary>Show the text before this part</summary>{policy_html(text[:a])}</details>"
              if text[:a].strip() else "")
    st.html(f'<div class="pp-full">{before}{marked_html(text, a, len(text), group)}</div>')


def marked_html(text: str, a: int, b: int, group: list[Citation]) -> str:
    """``text[a:b]`` as escaped HTML, with each cited sentence in ``<mark>``."""
    parts, at = [], a
    for cite in sorted(group, key=lambda c: c.start):
        if cite.end <= at:
            continue
        start = max(cite.start, at)
        parts += [policy_html(text[at:start]), f"<mark>{policy_html(text[start:cite.end])}</mark>"]
        at = cite.end
    parts.append(policy_html(text[at:b]))
    return "".join(parts)


# --- text helpers ----------------------------------------------------------------------------

def and_list(names: list[str]) -> str:
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else "".join(names)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def policy_html(text: str) -> str:
    """Policy text, HTML-escaped, with its heading lines ("# X", "**X**") shown in bold
    instead of with their markdown marks. Nothing in the text itself becomes markup."""
    def line_html(line: str) -> str:
        name = heading_name(line, None)  # None: markdown and bold headings only
        return f"<strong>{esc(name)}</strong>" if name else esc(line)
    return "\n".join(line_html(line) for line in text.split("\n"))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~<>$:&])")
# Streamlit's Markdown turns bare addresses into links after parsing, so escapes do not stop it.
# An invisible word joiner (U+2060) after "@", in "://" and after "www" does: user@example.com,
# http://… and www.… then show as they are, but are not links. (The quoted clauses are not
# Markdown; copy an address from there.)
_AUTOLINK = re.compile(r"(@|\\:(?=//)|(?i:\bwww)(?=\.))")


def md(text: str) -> str:
    """``text`` shown literally by st.markdown: markdown, HTML, Streamlit's extras and autolinks escaped."""
    escaped = _AUTOLINK.sub("\\1\u2060", _MD_SPECIAL.sub(r"\\\1", text))
    return re.sub(r"^(\s*\d+)\.", r"\1\\.", escaped, flags=re.M)


def answer_markdown(text: str) -> str:
    """An answer, escaped, with its citation markers ("[1]") shown as badges that match the cards;
    a sentence cited to two clauses ("[1][2]") gets two badges with a space between."""
    badges = re.sub(r"\\\[(\d+)\\\]", r":blue-badge[\1]", md(text))
    return badges.replace("]:blue-badge[", "] :blue-badge[")


main()
