"""Generate replies through any OpenAI-compatible HTTP server (llama.cpp's server, vLLM,
Ollama, LM Studio, …) by streaming ``POST {base_url}/chat/completions``.

``base_url`` is the API root including its version, e.g. ``http://127.0.0.1:8080/v1``.
The reply arrives as server-sent events: ``data: {json}`` lines, ending with ``data: [DONE]``.

This module does not start or manage servers, retry, or use the official ``openai`` package;
it is one streaming POST and a small SSE line parser.
"""
from __future__ import annotations

import json
import logging
from typing import Iterable, Iterator

import httpx

from generation.base import GenerationError, Message

log = logging.getLogger(__name__)


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
