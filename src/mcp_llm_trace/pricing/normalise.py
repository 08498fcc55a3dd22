"""Generic model-id normalisation: the many spellings of one model, before lookup.

Spans carry model ids in whatever form the client used. This module turns a
``(model, provider)`` pair into :class:`Route` s — the provider and the spellings to
look up, most specific first — so that the price files do not have to enumerate every
prefix per model (docs/pricing.md, "Normalisation"):

- **Bedrock**: ARNs (``arn:aws:bedrock:<region>:<account>:foundation-model/<id>`` and
  ``…:inference-profile/<geo>.<id>``, any AWS partition), cross-region inference
  profiles (``us.``, ``eu.``, ``apac.``, ``au.``, ``jp.``, ``ca.``, ``in.``,
  ``us-gov.``, ``global.``), LiteLLM region paths (``eu-west-2/<id>``) and route markers
  (``invoke/``, ``converse/``). Spellings tried: ``<region>/<id>``, ``<geo>.<id>``
  (``us-gov.<id>`` for a GovCloud region), then ``<id>``. Without a provider (or with
  the provider that the id's vendor prefix names), an id in Bedrock form —
  ``anthropic.claude-…``, ``us.amazon.nova-…``, an ARN — is priced at Bedrock, never at
  a reseller that also matches ``claude-…``.
- **Gemini / Vertex AI**: ``models/<id>`` (Gemini API) and resource paths
  ``projects/<p>/locations/<l>/publishers/<publisher>/models/<id>`` (also without
  ``projects/…``) → ``<id>`` at Google; Vertex's ``<id>@default`` (the default version)
  → ``<id>``.
- **OpenRouter**: ``openrouter/<vendor>/<model>`` and ``provider="openrouter"`` with
  ``<vendor>/<model>`` are priced as the vendor's own model (OpenRouter passes the
  vendor's list price through; third-party hosts it may route to can differ).
  OpenRouter spellings are mapped (``anthropic/claude-sonnet-4.5`` →
  ``claude-sonnet-4-5``, ``x-ai`` → xAI, ``mistralai`` → Mistral, ``amazon/nova-pro-v1``
  → Bedrock ``amazon.nova-pro-v1``); routing variants (``:nitro``, ``:floor``,
  ``:online``, ``:thinking``, ``:beta``, ``:extended``, ``:exacto``) are dropped;
  ``:free`` variants are not the vendor's price and stay unpriced.

A route whose id names a region or geography carries it (``Route.region``); the table
then says whether the price it found is specific to that region (see
:func:`region_known`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BEDROCK_GEOS",
    "Route",
    "bedrock_parts",
    "region_known",
    "routes",
]

#: Bedrock cross-region inference profile prefixes (``us.anthropic.claude-…``).
BEDROCK_GEOS = ("us-gov", "global", "apac", "us", "eu", "au", "jp", "ca", "in")

_GEO = re.compile(r"(us-gov|global|apac|us|eu|au|jp|ca|in)\.(?=[a-z0-9-]+\.)")
#: AWS region names (``us-east-1``, ``us-gov-west-1``, ``ap-southeast-2`` …).
_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-[a-z]+-\d")
_ARN = re.compile(
    r"arn:aws[a-z-]*:bedrock:(?P<region>[a-z0-9-]*):[0-9]*:"
    r"(?P<kind>foundation-model|inference-profile|application-inference-profile"
    r"|provisioned-model|custom-model|imported-model)/(?P<rest>.+)"
)
#: Vendor prefixes of Bedrock model ids (``anthropic.claude-…``, ``amazon.nova-…``).
_BEDROCK_VENDORS = frozenset(
    {
        "ai21",
        "amazon",
        "anthropic",
        "cohere",
        "deepseek",
        "google",
        "luma",
        "meta",
        "minimax",
        "mistral",
        "moonshot",
        "moonshotai",
        "nvidia",
        "openai",
        "qwen",
        "stability",
        "twelvelabs",
        "writer",
        "xai",
        "zai",
    }
)
_BEDROCK_VENDOR = re.compile(r"([a-z0-9]+)\.[a-z0-9]")
_ROUTE_MARKERS = ("invoke/", "converse/")
#: US commercial regions: AWS list prices are these regions' prices.
_US_COMMERCIAL = re.compile(r"us-(?:east|west)-\d")

_VERTEX_PATH = re.compile(
    r"(?:projects/[^/]+/)?(?:locations/[^/]+/)?publishers/(?P<publisher>[^/]+)/models/(?P<id>.+)"
)
_OPENROUTER_VENDORS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "mistralai": "mistral",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "x-ai": "xai",
    "xai": "xai",
    "cohere": "cohere",
    "perplexity": "perplexity",
    "amazon": "bedrock",
}
_OPENROUTER_VARIANTS = ("nitro", "floor", "online", "thinking", "beta", "extended", "exacto")
_DOTTED_VERSION = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True)
class Route:
    """One way to read a model reference: a provider and the spellings to try.

    ``provider`` is a provider name as given or implied (``None``: resolve from the
    model id); ``names`` are tried in order; ``region`` (an AWS region such as
    ``eu-west-2``) and ``geo`` (a cross-region profile: ``eu``, ``us-gov``, ``global``)
    are what the id names, else ``None``.
    """

    provider: str | None
    names: tuple[str, ...]
    region: str | None = None
    geo: str | None = None

    @property
    def where(self) -> str | None:
        """The most specific location the id names (region, else geography)."""
        return self.region or self.geo


def bedrock_parts(ref: str) -> tuple[str | None, str | None, str] | None:
    """``(aws_region, geo, base_id)`` of a Bedrock-form id, or ``None`` if it is not one.

    >>> bedrock_parts("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    (None, 'us', 'anthropic.claude-sonnet-4-5-20250929-v1:0')
    >>> bedrock_parts("arn:aws:bedrock:eu-west-1:123:foundation-model/amazon.nova-pro-v1:0")
    ('eu-west-1', None, 'amazon.nova-pro-v1:0')
    >>> bedrock_parts("eu-west-2/meta.llama3-70b-instruct-v1:0")
    ('eu-west-2', None, 'meta.llama3-70b-instruct-v1:0')
    """
    region: str | None = None
    rest = ref
    arn = _ARN.fullmatch(rest)
    if arn is not None:
        if arn["kind"] not in ("foundation-model", "inference-profile"):
            return None  # application profiles, provisioned/custom models: no list price
        region, rest = arn["region"] or None, arn["rest"]
    for marker in _ROUTE_MARKERS:
        if rest.startswith(marker):
            rest = rest[len(marker) :]
    first, sep, tail = rest.partition("/")
    if sep and _REGION.fullmatch(first):
        region, rest = first, tail
        for marker in _ROUTE_MARKERS:
            if rest.startswith(marker):
                rest = rest[len(marker) :]
    geo: str | None = None
    m = _GEO.match(rest)
    if m is not None:
        geo, rest = m[1], rest[m.end() :]
    vendor = _BEDROCK_VENDOR.match(rest)
    bedrock_form = vendor is not None and vendor[1] in _BEDROCK_VENDORS
    if arn is None and region is None and geo is None and not bedrock_form:
        return None
    if "/" in rest:
        return None
    return region, geo, rest


def _bedrock_names(region: str | None, geo: str | None, base: str) -> tuple[str, ...]:
    names: list[str] = []
    if region:
        names.append(f"{region}/{base}")
    if geo:
        names.append(f"{geo}.{base}")
    elif region and region.startswith("us-gov-"):
        names.append(f"us-gov.{base}")
    names.append(base)
    return tuple(dict.fromkeys(names))


def region_known(route: Route, entry_id: str) -> bool:
    """Whether entry ``entry_id``'s price is the right one for where ``route`` points.

    True when the id named no location; when the entry is specific to it
    (``eu-west-2/…``, ``eu.…``, ``us-gov.…``); for ``global`` profiles and US commercial
    regions/profiles (AWS list prices are US prices); and for genai-prices' ``regional.…``
    entries (AWS documents one price for in-region and geographic profiles) outside
    GovCloud, in any region. Otherwise the standard price was used for a location whose
    price the table does not have: the cost is marked region-unknown.
    """
    region, geo = route.region, route.geo
    if region is None and geo is None:
        return True
    gov = geo == "us-gov" or (region or "").startswith("us-gov-")
    eid = entry_id.lower()
    specific = [f"{region}/"] if region else []
    if geo:
        specific.append(f"{geo}.")
    if gov:
        specific.append("us-gov.")
    if eid.startswith(tuple(specific)):
        return True
    if gov:
        return False
    if eid.startswith("regional."):
        return True
    if region is not None and not _US_COMMERCIAL.fullmatch(region):
        return False  # e.g. eu-west-2: AWS prices differ by region
    return geo in (None, "global", "us")


def _openrouter(model: str) -> Route | None:
    """``<vendor>/<model>[:variant]`` as the vendor's own model."""
    vendor, sep, rest = model.partition("/")
    if not sep or not rest:
        return None
    provider = _OPENROUTER_VENDORS.get(vendor)
    if provider is None:
        return Route(None, ())  # a vendor we do not ship: unpriced
    name, _, variant = rest.partition(":")
    if variant and variant not in _OPENROUTER_VARIANTS:
        return Route(None, ())  # ":free" and unknown variants are not the vendor's price
    if provider == "anthropic":
        name = _DOTTED_VERSION.sub("-", name)  # claude-sonnet-4.5 → claude-sonnet-4-5
    elif provider == "bedrock":
        name = f"amazon.{name}"
    return Route(provider, (name,))


def _vertex_names(ref: str) -> tuple[str, ...]:
    """``claude-sonnet-4-6@default`` is the model's default version: the bare id."""
    if ref.endswith("@default"):
        return (ref, ref.removesuffix("@default"))
    return (ref,)


def routes(model: str, provider: str | None) -> list[Route]:
    """The :class:`Route` s to try for ``model`` (lower-cased, stripped) and ``provider``.

    Later routes are fallbacks (a Bedrock-form id sent with ``provider="anthropic"`` is
    tried at Bedrock, then at Anthropic). An empty list: deliberately unpriced.
    """
    ref = model.strip().lower()
    prov = provider.strip().lower() if provider else None
    if prov == "openrouter" or ref.startswith("openrouter/"):
        rest = ref.removeprefix("openrouter/")
        route = _openrouter(rest)
        if route is not None:
            return [route] if route.names else []
        return [Route(None, (rest,))]
    if ref.startswith("models/"):  # Gemini API resource name
        return [Route(prov or "google", (ref.removeprefix("models/"),))]
    vertex = _VERTEX_PATH.fullmatch(ref)
    if vertex is not None:
        return [Route("google", _vertex_names(vertex["id"]))]
    if ref.endswith("@default"):  # Vertex AI's "default version" spelling
        return [Route(prov, _vertex_names(ref))]
    bedrock_ref = ref
    for prefix in ("bedrock/", "bedrock_converse/", "aws.bedrock/"):
        if bedrock_ref.startswith(prefix):
            bedrock_ref = bedrock_ref[len(prefix) :]
    parts = bedrock_parts(bedrock_ref)
    if parts is None:
        return [Route(prov, (ref,))]
    region, geo, base = parts
    names = _bedrock_names(region, geo, base)
    bedrock = Route("bedrock", names, region, geo)
    if prov is None:
        return [bedrock]
    # A Bedrock-form id is read as Bedrock first, whatever provider was named (e.g. the
    # Anthropic SDK's Bedrock client reports "anthropic"); then as given.
    return [bedrock, Route(prov, (ref,))]
