"""Answering: evidence, the model prompt, checks on what the model writes, and the Answer."""
