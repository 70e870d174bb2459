"""OpenAICompatGenerator against a mock transport and a closed port (offline, no model)."""
from __future__ import annotations

import json
import socket

import httpx
import pytest

from generation import GenerationError, OpenAICompatGenerator, collect
from generation.openai_http import parse_sse

CHAT = [{"role": "user", "content": "Hi?"}]


def sse(*pieces: str, done: bool = True) -> bytes:
    lines = [": keep-alive", ""]
    for p in pieces:
        event = {"choices": [{"index": 0, "delta": {"content": p}}]}
        lines += ["data: " + json.dumps(event), ""]
    lines += ['data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}', ""]
    if done:
        lines += ["data: [DONE]", ""]
    return "\n".join(lines).encode()


def generator_with(handler) -> OpenAICompatGenerator:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return OpenAICompatGenerator("http://test.invalid/v1/", "tiny", api_key="secret", client=client)


def test_streams_deltas_and_sends_a_greedy_request():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"] = str(request.url)
        seen["auth"] = request.headers.get("authorization")
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, content=sse("Hel", "lo", "!"),
                              headers={"content-type": "text/event-stream"})

    gen = generator_with(handler)
    assert list(gen.stream(CHAT, max_tokens=7, stop=["\n\n"])) == ["Hel", "lo", "!"]
    assert seen["url"] == "http://test.invalid/v1/chat/completions"
    assert seen["auth"] == "Bearer secret"
    body = seen["body"]
    assert body["stream"] is True and body["temperature"] == 0
    assert body["max_tokens"] == 7 and body["stop"] == ["\n\n"]
    assert body["model"] == "tiny" and body["messages"] == CHAT
    assert gen.name == "tiny via http://test.invalid/v1"


def test_no_api_key_sends_no_authorization_header():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers.get("authorization")
        return httpx.Response(200, content=sse("ok"))

    client = httpx.Client(transport=httpx.MockTransport(handler))
    gen = OpenAICompatGenerator("http://test.invalid/v1", "tiny", client=client)
    assert collect(gen, CHAT, max_tokens=5) == "ok"
    assert seen["auth"] is None


def test_http_error_is_clear():
    gen = generator_with(lambda request: httpx.Response(404, text='{"error": "no such model"}'))
    with pytest.raises(GenerationError, match="HTTP 404.*no such model"):
        collect(gen, CHAT, max_tokens=5)


def test_error_event_in_stream():
    body = b'data: {"error": {"message": "context too long"}}\n\n'
    gen = generator_with(lambda request: httpx.Response(200, content=body))
    with pytest.raises(GenerationError, match="context too long"):
        collect(gen, CHAT, max_tokens=5)


def test_connection_refused_is_clear():
    with socket.socket() as s:  # find a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gen = OpenAICompatGenerator(f"http://127.0.0.1:{port}/v1", "tiny", timeout=5)
    with pytest.raises(GenerationError, match="could not connect.*server running"):
        collect(gen, CHAT, max_tokens=5)


def test_parse_sse_stops_at_done_and_skips_noise():
    lines = ["event: message", 'data: {"choices":[{"delta":{"role":"assistant"}}]}',
             'data:{"choices":[{"delta":{"content":"a"}}]}', "", "data: [DONE]",
             'data: {"choices":[{"delta":{"content":"after done"}}]}']
    assert list(parse_sse(lines)) == ["a"]


def test_parse_sse_rejects_garbage():
    with pytest.raises(GenerationError, match="not JSON"):
        list(parse_sse(["data: <html>"]))


def test_choice_probs_reads_the_first_tokens_top_logprobs():
    import math

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert sent["max_tokens"] == 1 and sent["logprobs"] is True and sent["top_logprobs"] >= 5 and not sent.get("stream")
        top = [{"token": "Yes", "logprob": math.log(0.6)}, {"token": " yes", "logprob": math.log(0.1)},
               {"token": "No", "logprob": math.log(0.2)}, {"token": "Maybe", "logprob": math.log(0.05)}]
        return httpx.Response(200, json={"choices": [{"logprobs": {"content": [{"token": "Yes", "top_logprobs": top}]}}]})

    yes, no, two = generator_with(handler).choice_probs([{"role": "user", "content": "?"}], ["yes", "no", "2"])
    assert abs(yes - 0.7) < 1e-9 and abs(no - 0.2) < 1e-9 and two == 0.0


def test_choice_probs_without_logprobs_is_a_clear_error():
    gen = generator_with(lambda request: httpx.Response(200, json={"choices": [{"message": {"content": "Yes"}}]}))
    with pytest.raises(GenerationError, match="top_logprobs"):
        gen.choice_probs([{"role": "user", "content": "?"}], ["yes", "no"])
