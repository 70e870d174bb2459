#!/usr/bin/env bash
# Retrieval comparison on a SQuAD-style file (default: the PolicyQA dev split), one row per setting.
# Usage: scripts/bench_retrieval.sh [FILE]   (run after `make install`; prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-../shared/data/policyqa_dev.json}
echo "| setting | recall@500 | recall@1500 | recall@3000 | median query ms | eval seconds |"
echo "|---|---|---|---|---|---|"
row() {
  local name=$1; shift
  env "$@" .venv/bin/plainpolicy eval-retrieval "$FILE" --out /tmp/plainpolicy-bench.jsonl 2>/dev/null \
    | .venv/bin/python -c "import json,sys; s=json.load(sys.stdin); print(f\"| $name | {s['recall@500']:.3f} | {s['recall@1500']:.3f} | {s['recall@3000']:.3f} | {s['median_latency_ms']} | {s['seconds']} |\")"
}
row "hybrid, 16-piece chunks (default)" X=1
row "BM25 only" PLAINPOLICY_DENSE_WEIGHT=0 PLAINPOLICY_CONTEXT_WEIGHT=0
row "dense only" PLAINPOLICY_DENSE_WEIGHT=1 PLAINPOLICY_CONTEXT_WEIGHT=0
row "hybrid, no neighbour bonus" PLAINPOLICY_CONTEXT_WEIGHT=0
row "hybrid, no query expansion" PLAINPOLICY_QUERY_EXPANSION=0
row "hybrid, 32-piece chunks" PLAINPOLICY_CHUNK_MAX_TOKENS=32 PLAINPOLICY_CHUNK_MIN_TOKENS=8
row "hybrid, 128-piece chunks" PLAINPOLICY_CHUNK_MAX_TOKENS=128 PLAINPOLICY_CHUNK_MIN_TOKENS=24
row "dense only, 128-piece chunks" PLAINPOLICY_CHUNK_MAX_TOKENS=128 PLAINPOLICY_CHUNK_MIN_TOKENS=24 PLAINPOLICY_DENSE_WEIGHT=1 PLAINPOLICY_CONTEXT_WEIGHT=0
row "BM25 only, 128-piece chunks" PLAINPOLICY_CHUNK_MAX_TOKENS=128 PLAINPOLICY_CHUNK_MIN_TOKENS=24 PLAINPOLICY_DENSE_WEIGHT=0 PLAINPOLICY_CONTEXT_WEIGHT=0
