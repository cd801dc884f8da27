"""Notification channels: the settings of each kind, what the API shows of them (never a
secret), and how a partial update merges into stored settings."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

ChannelKind = Literal["webhook", "slack", "teams", "email"]
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "webhook": ("secret",),
    "slack": ("url",),
    "teams": ("url",),
    "email": ("password",),
}
"""Fields never returned by the API. Chat incoming-webhook URLs carry their token in the path,
so they are secrets too."""


def check_http_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise ValueError("credentials in the URL are not allowed: use the HMAC `secret`")
    return url


def check_address(value: str) -> str:
    _, address = parseaddr(value)
    if (
        not address
        or "@" not in address
        or address.startswith("@")
        or address.endswith("@")
        or any(c in value for c in "\r\n")
    ):
        raise ValueError(f"invalid e-mail address {value!r}")
    return value


HttpUrl = Annotated[str, Field(max_length=2000), AfterValidator(check_http_url)]
Address = Annotated[str, Field(max_length=300), AfterValidator(check_address)]


class DeliveryOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout_s: float = Field(10.0, gt=0, le=60, description="Timeout of one attempt.")
    give_up_after_s: float = Field(
        600.0,
        ge=0,
        le=86_400,
        description="Retries stop when the next one would start later than this after the "
        "first attempt; the delivery is then recorded as failed.",
    )


class WebhookSettings(DeliveryOptions):
    kind: Literal["webhook"] = "webhook"
    url: HttpUrl = Field(description="Receives a JSON POST per notification.")
    secret: str | None = Field(
        None,
        min_length=16,
        max_length=200,
        description="HMAC-SHA256 key: each request carries "
        "`X-Floorwatch-Signature: sha256=HEX(HMAC(secret, body))`. Never returned.",
    )


class SlackSettings(DeliveryOptions):
    kind: Literal["slack"] = "slack"
    url: HttpUrl = Field(description="A Slack (or compatible) incoming webhook URL.")


class TeamsSettings(DeliveryOptions):
    kind: Literal["teams"] = "teams"
    url: HttpUrl = Field(
        description="A Microsoft Teams incoming webhook (Workflows) URL; gets an Adaptive Card.",
    )


class EmailSettings(DeliveryOptions):
    kind: Literal["email"] = "email"
    to: list[Address] = Field(min_length=1, max_length=50)
    from_address: Address
    smtp_host: str = Field(max_length=255)
    smtp_port: int = Field(587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = Field(
        "starttls", description="`starttls` (port 587), `tls` (implicit, port 465) or `none`."
    )
    username: str | None = Field(None, max_length=300)
    password: str | None = Field(None, max_length=300, description="Never returned.")


ChannelSettings = Annotated[
    WebhookSettings | SlackSettings | TeamsSettings | EmailSettings, Field(discriminator="kind")
]
settings_adapter: TypeAdapter[WebhookSettings | SlackSettings | TeamsSettings | EmailSettings] = (
    TypeAdapter(ChannelSettings)
)


def parse_settings(
    data: dict[str, Any],
) -> WebhookSettings | SlackSettings | TeamsSettings | EmailSettings:
    return settings_adapter.validate_python(data)


def url_hint(url: str, keep_path: bool) -> str:
    """The URL without query, fragment (and, for chat webhooks, path): enough to recognise it."""
    parts = urlsplit(url)
    path = parts.path if keep_path else ("/…" if parts.path not in ("", "/") else "")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def public_settings(config: dict[str, Any]) -> dict[str, Any]:
    """What GET shows of stored settings: no secret, only whether one is set."""
    kind = config["kind"]
    out = {k: v for k, v in config.items() if k not in SECRET_FIELDS[kind]}
    if kind == "webhook":
        out["url"] = url_hint(config["url"], keep_path=True)
        out["has_secret"] = bool(config.get("secret"))
    elif kind in ("slack", "teams"):
        out["url"] = url_hint(config["url"], keep_path=False)
    else:
        out["has_password"] = bool(config.get("password"))
    return out


def merge_settings(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A partial update: fields not sent keep their stored value (so a secret need not be sent
    again); `kind` cannot change."""
    if "kind" in patch and patch["kind"] != stored["kind"]:
        raise ValueError("the kind of a channel cannot change: create a new channel")
    return {**stored, **patch}


def secrets_of(config: dict[str, Any]) -> list[str]:
    """Every secret string of a channel, to scrub from recorded error messages."""
    found = [config.get(f) for f in SECRET_FIELDS[config["kind"]]]
    return [s for s in found if isinstance(s, str) and s]


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text[:500]
