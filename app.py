"""plainpolicy's browser page (UI only): a search box that shows the clauses that answer it.

No retrieval logic lives here; it calls ``retrieval.runtime``.
"""
from __future__ import annotations

import streamlit as st

from plainpolicy.settings import Settings
from retrieval.runtime import open_searcher

st.set_page_config(page_title="plainpolicy", page_icon="📜")


@st.cache_resource(show_spinner="Loading the policies…")
def searcher():
    return open_searcher(Settings.load())


st.title("plainpolicy")
st.caption("Ask a question about a privacy policy. You will see the clauses that answer it, word for word.")
s = searcher()
names = {pid: p.name for pid, p in s.index.policies.items()}
choice = st.selectbox("Policy", ["All policies", *sorted(names.values())])
question = st.text_input("Your question", placeholder="Does 123RF sell my data?")
if question:
    pid = next((k for k, v in names.items() if v == choice), None) or s.policy_named_in(question)
    for hit in s.search(question, policy_id=pid):
        with st.container(border=True):
            st.markdown(f"**{names[hit.chunk.policy_id]}** · {hit.chunk.section or 'Policy'}")
            st.text(hit.chunk.text)
