"""Generate replies through any OpenAI-compatible HTTP server (llama.cpp's server, vLLM,
Ollama, LM Studio, …) by streaming ``POST {base_url}/chat/completions``.

``base_url`` is the API root including its version, e.g. ``http://127.0.0.1:8080/v1``.
The reply arrives as server-sent events: ``data: {json}`` lines, ending with ``data: [DONE]``.

``choice_probs`` asks for one token with its ``top_logprobs`` (llama.cpp's server, vLLM and
OpenAI return them), so the meaning check works through a server as it does in process.

This module does not start or manage servers, retry, or use the official ``openai`` package;
it is one streaming POST, one plain POST and a small SSE line parser.
"""
from __future__ import annotations

import json
import logging
import math
from typing import Iterable, Iterator, Sequence

import httpx

from generation.base import GenerationError, Message

log = logging.getLogger(__name__)

TOP_LOGPROBS = 20  # how many likely first tokens choice_probs asks for


class OpenAICompatGenerator:
    """Streams greedy chat completions from an OpenAI-compatible endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        timeout: float = 120.0,
        client: httpx.Client | None = None,
    ) -> None:
        if not base_url or not model:
            raise ValueError("OpenAICompatGenerator needs a base_url and a model name")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.name = f"{model} via {base_url.rstrip('/')}"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._client = client  # tests pass one with a mock transport

    def stream(
        self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None
    ) -> Iterator[str]:
        payload: dict = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
        }
        if stop:
            payload["stop"] = stop
        client = self._client or httpx.Client(timeout=self._timeout)
        try:
            with client.stream("POST", self.url, json=payload, headers=self._headers) as response:
                if response.is_error:
                    body = response.read().decode("utf-8", "replace").strip()
                    raise GenerationError(
                        f"{self.url} answered HTTP {response.status_code}: {body[:500]}"
                    )
                yield from parse_sse(response.iter_lines())
        except httpx.ConnectError as exc:
            raise GenerationError(
                f"could not connect to {self.url} ({exc}); is the server running?"
            ) from exc
        except httpx.TimeoutException as exc:
            raise GenerationError(f"{self.url} did not answer in time ({exc!r})") from exc
        except httpx.HTTPError as exc:
            raise GenerationError(f"request to {self.url} failed: {exc!r}") from exc
        finally:
            if self._client is None:
                client.close()

    def choice_probs(self, messages: list[Message], options: Sequence[str]) -> list[float]:
        """The probability that the reply starts with each option, from the first token's
        ``top_logprobs`` (case and a leading space ignored); an option not among them counts 0."""
        payload = {"model": self.model, "messages": messages, "max_tokens": 1, "temperature": 0,
                   "logprobs": True, "top_logprobs": TOP_LOGPROBS}
        client = self._client or httpx.Client(timeout=self._timeout)
        try:
            response = client.post(self.url, json=payload, headers=self._headers)
            if response.is_error:
                raise GenerationError(f"{self.url} answered HTTP {response.status_code}: {response.text[:500]}")
            body = response.json()
        except httpx.ConnectError as exc:
            raise GenerationError(f"could not connect to {self.url} ({exc}); is the server running?") from exc
        except httpx.HTTPError as exc:
            raise GenerationError(f"request to {self.url} failed: {exc!r}") from exc
        except ValueError as exc:
            raise GenerationError(f"{self.url} sent a reply that is not JSON") from exc
        finally:
            if self._client is None:
                client.close()
        try:
            top = body["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        except (KeyError, IndexError, TypeError) as exc:
            raise GenerationError(f"{self.url} sent no top_logprobs; the server must support them to judge") from exc
        probs = [0.0] * len(options)
        wanted = [o.strip().lower() for o in options]
        for entry in top:
            token = str(entry.get("token", "")).strip().lower()
            for i, option in enumerate(wanted):
                if token and option.startswith(token) and (token == option or len(token) >= 2):
                    probs[i] += math.exp(float(entry["logprob"]))
        return probs


def parse_sse(lines: Iterable[str]) -> Iterator[str]:
    """Yield the text deltas from the ``data:`` lines of a chat-completion event stream."""
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, ": keep-alive" comments, "event:" and "id:" lines
        data = line[len("data:"):].strip()
        if data == "[DONE]":
            return
        if not data:
            continue
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise GenerationError(f"server sent a line that is not JSON: {data[:200]}") from exc
        if "error" in event:
            raise GenerationError(f"server reported an error: {event['error']}")
        for choice in event.get("choices") or []:
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                yield piece
