"""Generic model-id normalisation (Bedrock ARNs/profiles, Gemini/Vertex paths, OpenRouter)."""

from __future__ import annotations

import pytest

from mcp_llm_trace.pricing import Usage, compute_cost, get_price_table
from mcp_llm_trace.pricing.normalise import Route, bedrock_parts, region_known, routes

USAGE = Usage(input_tokens=10_000, output_tokens=2_000, cache_read_tokens=4_000)
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def _entry_id(model: str, provider: str | None = None) -> str | None:
    entry = get_price_table().find(model, provider)
    return None if entry is None else f"{entry.provider}/{entry.id}"


@pytest.mark.parametrize("geo", ["us", "eu", "apac", "au", "jp", "ca", "in"])
def test_every_geo_profile_resolves_to_the_regional_bedrock_price(geo: str) -> None:
    cost = compute_cost(f"{geo}.{SONNET}", None, USAGE)
    plain = compute_cost(SONNET, "aws.bedrock", USAGE)
    assert cost.provider == "bedrock" and cost.model_id == plain.model_id
    assert cost.total == plain.total
    assert cost.region == geo and not cost.region_unknown


def test_global_profile_has_its_own_cheaper_price() -> None:
    regional = compute_cost(f"us.{SONNET}", None, USAGE).total
    global_ = compute_cost(f"global.{SONNET}", None, USAGE)
    assert global_.model_id is not None and global_.model_id.startswith("global.")
    assert global_.total < regional


def test_bedrock_style_id_without_provider_prefers_bedrock_over_vertex() -> None:
    assert _entry_id(SONNET) == f"bedrock/regional.{SONNET}"
    assert _entry_id("anthropic.claude-3-5-haiku-20241022-v1:0", None) == (
        "bedrock/regional.anthropic.claude-3-5-haiku-20241022-v1:0"
    )
    # Named as Anthropic (the Anthropic SDK's Bedrock client): still Bedrock's price.
    assert _entry_id(f"us.{SONNET}", "anthropic") == f"bedrock/regional.{SONNET}"
    # A plain Anthropic id is unaffected.
    assert _entry_id("claude-sonnet-4-5-20250929") == "anthropic/claude-sonnet-4-5"


def test_arns_are_read_for_region_and_model() -> None:
    fm = f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}"
    profile = f"arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.{SONNET}"
    assert bedrock_parts(fm) == ("us-east-1", None, SONNET)
    assert bedrock_parts(profile) == ("eu-central-1", "eu", SONNET)
    assert compute_cost(fm, None, USAGE).total == compute_cost(SONNET, "bedrock", USAGE).total
    assert compute_cost(profile, None, USAGE).total == compute_cost(SONNET, "bedrock", USAGE).total
    app = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3"
    assert bedrock_parts(app) is None
    assert not compute_cost(app, "aws.bedrock", USAGE).priced  # no list price to use


def test_region_without_a_regional_price_is_marked_region_unknown() -> None:
    nova = "amazon.nova-pro-v1:0"
    base = compute_cost(nova, "bedrock", USAGE)
    assert not base.region_unknown and base.region is None
    for ref in (f"sa-east-1/{nova}", f"arn:aws:bedrock:sa-east-1::foundation-model/{nova}"):
        cost = compute_cost(ref, None, USAGE)
        assert cost.priced and cost.region == "sa-east-1"
        assert cost.region_unknown  # standard price used; AWS prices São Paulo differently
        assert cost.total == base.total
    assert not compute_cost(f"us-west-2/{nova}", None, USAGE).region_unknown


def test_govcloud_uses_its_own_price_or_is_marked() -> None:
    gov = compute_cost(f"us-gov.{SONNET}", None, USAGE)
    assert gov.priced and gov.region == "us-gov"
    if gov.model_id is not None and gov.model_id.startswith("us-gov."):
        assert not gov.region_unknown
        assert gov.total > compute_cost(f"us.{SONNET}", None, USAGE).total
    else:
        assert gov.region_unknown
    pixtral = compute_cost("us-gov.mistral.pixtral-large-2502-v1:0", None, USAGE)
    assert pixtral.priced and pixtral.region_unknown


def test_region_known_rules() -> None:
    assert region_known(Route("bedrock", (), None, None), "amazon.nova-pro-v1:0")
    assert region_known(Route("bedrock", (), None, "us"), "amazon.nova-pro-v1:0")
    assert region_known(Route("bedrock", (), None, "global"), "amazon.nova-pro-v1:0")
    assert not region_known(Route("bedrock", (), None, "eu"), "amazon.nova-pro-v1:0")
    assert region_known(Route("bedrock", (), None, "eu"), "eu.amazon.nova-pro-v1:0")
    assert region_known(Route("bedrock", (), "eu-west-2", None), f"regional.{SONNET}")
    assert not region_known(Route("bedrock", (), None, "us-gov"), f"regional.{SONNET}")
    assert region_known(Route("bedrock", (), "us-gov-west-1", None), f"us-gov.{SONNET}")


@pytest.mark.parametrize(
    ("ref", "provider", "expected"),
    [
        ("models/gemini-2.5-pro", None, "google/gemini-2.5-pro"),
        ("models/gemini-2.5-pro", "gcp.gemini", "google/gemini-2.5-pro"),
        (
            "projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash",
            "gcp.vertex_ai",
            "google/gemini-2.5-flash",
        ),
        (
            "projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929",
            None,
            "google/claude-sonnet-4-5",
        ),
        ("publishers/google/models/gemini-2.5-pro", None, "google/gemini-2.5-pro"),
    ],
)
def test_gemini_and_vertex_resource_names(ref: str, provider: str | None, expected: str) -> None:
    assert _entry_id(ref, provider) == expected


@pytest.mark.parametrize(
    ("ref", "provider", "vendor_ref", "vendor"),
    [
        ("openrouter/anthropic/claude-sonnet-4.5", None, "claude-sonnet-4-5", "anthropic"),
        ("anthropic/claude-3.7-sonnet:thinking", "openrouter", "claude-3-7-sonnet", "anthropic"),
        ("openai/gpt-4o-mini", "openrouter", "gpt-4o-mini", "openai"),
        ("openrouter/google/gemini-2.5-pro", None, "gemini-2.5-pro", "google"),
        ("x-ai/grok-4", "openrouter", "grok-4", "xai"),
        ("mistralai/mistral-large-2411", "openrouter", "mistral-large-2411", "mistral"),
    ],
)
def test_openrouter_ids_are_priced_as_the_vendor_model(
    ref: str, provider: str | None, vendor_ref: str, vendor: str
) -> None:
    cost = compute_cost(ref, provider, USAGE)
    direct = compute_cost(vendor_ref, vendor, USAGE)
    assert cost.priced and direct.priced
    assert (cost.provider, cost.model_id, cost.total) == (
        direct.provider,
        direct.model_id,
        direct.total,
    )


def test_openrouter_free_variants_and_unknown_vendors_stay_unpriced() -> None:
    assert routes("openai/gpt-4o:free", "openrouter") == []
    assert not compute_cost("openrouter/openai/gpt-4o:free", None, USAGE).priced
    assert not compute_cost("meta-llama/llama-3.3-70b-instruct", "openrouter", USAGE).priced


def test_deepseek_chat_v31_is_not_the_old_deepseek_chat() -> None:
    assert _entry_id("deepseek/deepseek-chat-v3.1", "openrouter") == "deepseek/deepseek-v3.1"
    assert _entry_id("deepseek-chat-v3.1", "deepseek") == "deepseek/deepseek-v3.1"
    assert _entry_id("deepseek-chat", "deepseek") == "deepseek/deepseek-chat"
