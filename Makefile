# Two commands for a fresh machine: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_WAIT_POLICY := PASSIVE
# A portable llama.cpp build: the default -march=native build crashes on CPUs with AMX
# (ggml-org/llama.cpp#20824). pip caches the built wheel, so this costs ~6 minutes once.
export CMAKE_ARGS := -DGGML_NATIVE=OFF

.PHONY: run test setup install model index browser clean

run: setup
	$(BIN)/streamlit run app.py

test: setup browser
	$(BIN)/python -m pytest

setup: install model index

install: $(STAMP)

# torch first, from the local CPU build; otherwise pip would pull the CUDA build (several GB).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

model: install
	$(BIN)/plainpolicy fetch-model

index: install
	$(BIN)/plainpolicy index corpus

# Debian's Chromium for the end-to-end browser test (Playwright must not download its own).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) .plainpolicy
