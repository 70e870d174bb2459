"""plainpolicy: privacy policies explained in plain language, offline, with verified citations."""
import os

# llama.cpp and torch share one OpenMP runtime; spinning waiters make them starve each other on
# 2 cores (1.4 vs 7.5 tokens/s measured). Must be set before torch or llama_cpp is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
