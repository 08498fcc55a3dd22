"""One simulated gateway request, instrumented the way a user would instrument theirs."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, MutableMapping
from typing import Any

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.demo.stub import (
    MODELS,
    PII_PROMPTS,
    QUESTIONS,
    StubLLM,
    UpstreamError,
    embed,
    search,
)

Forward = Callable[[MutableMapping[str, str], str, dict[str, Any]], dict[str, Any]]


def _work(ms: float) -> None:
    """Simulated latency of the real operation."""
    time.sleep(ms / 1000.0)


#: Share of first github_search attempts that fail (the retry succeeds): one in three
#: makes ~25 % of tool invocations errors, so the dashboard's tool panels and the
#: ``McpLlmTraceToolErrorRateHigh`` rule (10 %) have something to show.
FLAKY_FIRST_ATTEMPTS = 1 / 3


def github_search(rng: random.Random, query: str, attempt: int) -> dict[str, Any]:
    """A tool that fails on its first attempt now and then."""
    _work(rng.uniform(0.5, 2))
    if attempt == 1 and rng.random() < FLAKY_FIRST_ATTEMPTS:
        raise UpstreamError("github API returned 502")
    return {"items": [{"repo": "acme/gateway", "path": "docs/federation.md"}], "query": query}


def run_request(
    rng: random.Random,
    llm: StubLLM,
    tenant: str,
    user: str,
    request_no: int,
    forward: Forward | None,
) -> None:
    """A full gateway request: plugins, a tool call with retry, a prompt render, a RAG
    pipeline ending in a streamed LLM answer, a DB query, a cache, and a federated call."""
    session = f"{tenant}-{user}-s{request_no % 3}"
    question = rng.choice(QUESTIONS)
    if rng.random() < 0.3:
        question = f"{question} {rng.choice(PII_PROMPTS)}"
    model, provider = rng.choice(MODELS)
    with (
        mlt.using_attributes(
            user_id=user,
            tenant_id=tenant,
            session_id=session,
            metadata={"plan": "enterprise" if tenant == "acme" else "team"},
            tags=["demo"],
        ),
        mlt.create_span(
            "gateway.request",
            openinference_kind="CHAIN",
            attributes={
                sc.HTTP_REQUEST_METHOD: "POST",
                sc.URL_PATH: "/tools/invoke",
                sc.HTTP_RESPONSE_STATUS_CODE: 200,
            },
        ) as req,
    ):
        req.set_input({"question": question})
        mlt.record_plugin("RateLimiter", order=1, duration_ms=0.2)
        mlt.record_plugin("PIIFilter", order=2, duration_ms=0.4)
        with mlt.cache_span("prompt-cache"):
            mlt.record_cache("prompt-cache", hit=rng.random() < 0.4)
        _tool_call(rng, question, request_no)
        with mlt.prompt_span(
            "answer_with_context",
            template="Context: {context}\nQ: {question}",
            variables={"context": "…", "question": question},
            version="3",
        ) as p:
            _work(0.2)
            p.set_output(f"Context: …\nQ: {question}")
        answer = _rag(rng, llm, question, model, provider)
        with mlt.db_span("INSERT", db_system="postgresql", collection="conversations"):
            _work(rng.uniform(0.3, 1.0))
        if forward is not None and rng.random() < 0.5:
            _federate(forward, question)
        req.set_output({"answer": answer[:80]})


def _tool_call(rng: random.Random, question: str, request_no: int) -> None:
    query = question[:40]
    args: dict[str, Any] = {"query": query, "limit": 5}
    with mlt.mcp_tool_call(
        "github_search", arguments=args, request_id=request_no, session_id=f"mcp-{request_no % 7}"
    ) as call:
        mlt.add_event("tool.validation.completed")
        for attempt in (1, 2):
            try:
                with mlt.tool_span("github_search", arguments=args) as tool:
                    result = github_search(rng, query, attempt)
                    tool.set_output(result)
                call.set_output(result)
                break
            except UpstreamError as exc:
                mlt.record_retry(attempt, backoff_ms=50 * attempt, error=exc)


def _rag(rng: random.Random, llm: StubLLM, question: str, model: str, provider: str) -> str:
    with mlt.chain_span("rag-pipeline") as chain:
        chain.set_input(question)
        with mlt.embedding_span(
            "text-embedding-3-small", texts=[question], provider="openai"
        ) as emb:
            vec = embed(question)
            emb.set_embeddings([vec])
            emb.set_usage(input_tokens=len(question.split()) + 4)
        with mlt.vector_search_span("docs", top_k=5, db_system="qdrant", query=question) as vs:
            docs = search(vec, 5)
            vs.set_documents(docs)
        with mlt.reranker_span("rerank-english-v3.0", query=question, top_k=3) as rr:
            rr.set_input_documents(docs)
            top = sorted(docs, key=lambda d: -float(str(d["score"])))[:3]
            rr.set_documents(top)
        with mlt.retriever_span(question, data_source="docs", top_k=3) as ret:
            ret.set_documents(top)
        context = [str(d["content"]) for d in top]
        messages = [
            {
                "role": "system",
                "content": "Answer using the context. Context: " + " ".join(context),
            },
            {"role": "user", "content": question},
        ]
        with mlt.llm_span(model, provider=provider, stream=True) as llm_call:
            llm_call.set_input(messages)
            llm_call.set_invocation_parameters({"temperature": 0.2, "max_tokens": 512})
            reply = llm.reply(question, context)
            for chunk in llm.stream(reply):
                llm_call.add_chunk(chunk)
            if rng.random() < 0.7:  # some providers report usage on streams, some don't
                in_tok = sum(len(m["content"]) for m in messages) // 4
                out_tok = len(reply) // 4
                llm_call.set_usage(
                    input_tokens=in_tok,
                    output_tokens=out_tok,
                    cache_read_tokens=in_tok // 2 if rng.random() < 0.3 else 0,
                )
            llm_call.set_response(model=model, response_id=f"resp-{rng.randrange(10**9)}")
        chain.set_output(reply)
        return reply


def _federate(forward: Forward, question: str) -> None:
    with mlt.federation_forward("mcp-gateway-2", method="tools/call", target="kb_lookup"):
        carrier = mlt.inject_context({})
        forward(carrier, "kb_lookup", {"query": question[:30]})
