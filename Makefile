# Two commands for a fresh machine: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_WAIT_POLICY := PASSIVE
# llama.cpp is built from source (~6 minutes once). Not with -march=native: that build crashes on
# CPUs with AMX (ggml-org/llama.cpp#20824). Instead each instruction set is switched on where
# /proc/cpuinfo lists it: AVX-512 reads prompts ~1.5x faster here (BENCHMARKS.md); elsewhere the
# build is portable AVX2. ggml's own thread pool instead of OpenMP: decoding is ~1.3x faster on
# 2 shared cores. The wheel is kept per version and flags (pip's own cache ignores the flags).
cpu = $(shell grep -qw $(1) /proc/cpuinfo 2>/dev/null && echo $(2))
AVX512 := $(and $(call cpu,avx512f,y),$(call cpu,avx512bw,y),$(call cpu,avx512dq,y),$(call cpu,avx512vl,y),$(call cpu,avx512cd,y))
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF $(if $(AVX512),-DGGML_AVX512=ON \
	$(call cpu,avx512vbmi,-DGGML_AVX512_VBMI=ON) $(call cpu,avx512_vnni,-DGGML_AVX512_VNNI=ON) \
	$(call cpu,avx512_bf16,-DGGML_AVX512_BF16=ON)) $(call cpu,avx_vnni,-DGGML_AVX_VNNI=ON)
LLAMA  := $(shell grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml | head -1)
WHEELS := $(HOME)/.cache/plainpolicy/wheels/$(shell echo '$(LLAMA) $(CMAKE_ARGS)' | sha256sum | cut -c1-12)

.PHONY: run test stress eval bench summaries setup install model index browser clean

run: setup
	$(BIN)/streamlit run app.py

test: setup browser
	$(BIN)/python -m pytest

# 8 browser tabs at once against one app process (a few minutes): see README, "Many users at once".
stress: setup browser
	$(BIN)/python -m pytest -m stress -s tests/stress

# Every dev file answered with the default settings, then one table (see BENCHMARKS.md). About an hour.
SHARED ?= ../shared/data
EVAL   := .plainpolicy/eval
eval: setup
	mkdir -p $(EVAL)
	$(BIN)/plainpolicy eval-answers $(SHARED)/seed_qa_dev.json --out $(EVAL)/seed.jsonl
	$(BIN)/plainpolicy eval-answers $(SHARED)/tosdr_dev.json --out $(EVAL)/tosdr.jsonl
	$(BIN)/plainpolicy eval-answers $(SHARED)/policyqa_dev.json --sample 200 --out $(EVAL)/policyqa.jsonl
	$(BIN)/python scripts/eval_table.py $(EVAL)/seed.jsonl $(EVAL)/tosdr.jsonl $(EVAL)/policyqa.jsonl

# Indexing, search and answer speed with quality beside it; rewrites the marked part of BENCHMARKS.md.
# About 25 minutes; run nothing else meanwhile. `make test` runs the quick mode (tests/test_bench.py).
bench: setup
	$(BIN)/python scripts/bench.py --data $(SHARED)

setup: install model index

# The seed policies' summaries, made ahead of time and shipped in corpus/summaries/ (about a minute
# each), so a fresh machine shows them at once. Run it again when the corpus or the summary changes.
summaries: setup
	for f in corpus/*.md; do $(BIN)/plainpolicy summary --policy $$(basename $$f .md) --save corpus/summaries > /dev/null || exit 1; done

install: $(STAMP)

# torch first, from the local CPU build; otherwise pip would pull the CUDA build (several GB).
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	ls $(WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || \
		$(BIN)/pip wheel --quiet --no-deps --no-cache-dir -w $(WHEELS) $(LLAMA)
	$(BIN)/pip install --quiet --force-reinstall --no-deps $(WHEELS)/llama_cpp_python-*.whl
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
