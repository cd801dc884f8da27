"""What each channel kind receives for one notification: pure functions of the alert."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Final, Literal

import orjson

from app.alerts.schemas import AlertOut
from app.registry.metrics import BREAK_REASON_PREFIX, spec_of
from app.registry.specs import MetricUnit

NotificationKind = Literal["firing", "repeat", "resolved"]
PAYLOAD_VERSION: Final = "1"
SIGNATURE_HEADER: Final = "X-Floorwatch-Signature"

SEVERITY_COLOURS: Final = {"critical": "#d1242f", "warning": "#bf8700", "info": "#0969da"}
RESOLVED_COLOUR: Final = "#1a7f37"


def format_value(metric: str, value: float | None) -> str:
    """The value in the metric's unit (app/registry): a percentage, seconds or minutes, a
    number."""
    if value is None:
        return "no value"
    spec = spec_of(metric)
    unit = spec.unit if spec is not None else MetricUnit.number
    if unit is MetricUnit.fraction:
        return f"{value * 100:.1f}%"
    if unit is MetricUnit.seconds:
        if value >= 120:
            return f"{value / 60:.1f} min"
        return f"{value:.0f} s"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def metric_label(metric: str, language: str = "en") -> str:
    """The metric's label in `language` (`en`, `pl`); a break reason is named after it."""
    spec = spec_of(metric)
    if spec is None:
        return metric
    label = spec.label(language)
    if metric.startswith(BREAK_REASON_PREFIX):
        return f"{label}: {metric.removeprefix(BREAK_REASON_PREFIX)}"
    return label


SUMMARIES: Final = {
    "en": "{rule}: {metric}{window} of {scope} is {value} (alert when {op} {threshold})",
    "pl": "{rule}: {metric}{window} – {scope}: {value} (alert gdy {op} {threshold})",
}
WINDOW_NAMES: Final = {
    "en": {"today": "today", "interval": "this interval"},
    "pl": {"today": "dziś", "interval": "ten kwadrans"},
}


def describe(
    rule_name: str,
    metric: str,
    window: str,
    scope: str,
    op: str,
    threshold: float,
    value: float | None,
    language: str = "en",
) -> str:
    """One line a person reads, with the metric's label and unit from the registry:
    `Sales SL: Service level (15m) of queue:Sales is 72.0% (alert when < 80.0%)`."""
    template = SUMMARIES.get(language, SUMMARIES["en"])
    names = WINDOW_NAMES.get(language, WINDOW_NAMES["en"])
    return template.format(
        rule=rule_name,
        metric=metric_label(metric, language),
        window="" if window == "live" else f" ({names.get(window, window)})",
        scope=scope,
        value=format_value(metric, value),
        op=op,
        threshold=format_value(metric, threshold),
    )


PLAN_SUMMARIES: Final = {
    "en": "{rule}: {metric} today of {scope} is {share} of plan ({actual} against {plan}; alert "
    "when {op} {threshold})",
    "pl": "{rule}: {metric} dziś – {scope}: {share} planu ({actual} wobec {plan}; alert gdy {op} "
    "{threshold})",
}
NO_PLAN_SUMMARIES: Final = {
    "en": "{rule}: {metric} today of {scope}: no plan for today (alert when {op} {threshold} of "
    "plan)",
    "pl": "{rule}: {metric} dziś – {scope}: brak planu na dziś (alert gdy {op} {threshold} planu)",
}


def format_share(share: float | None) -> str:
    return "no value" if share is None else f"{share * 100:.0f}%"


def describe_against_plan(
    rule_name: str,
    metric: str,
    scope: str,
    op: str,
    threshold: float,
    share: float | None,
    detail: dict[str, Any],
    language: str = "en",
) -> str:
    """The line of an alert against the day plan, the share first:
    `Win rate: Win rate today of team:East is 80% of plan (40.0% against 50.0%; alert when <
    100%)`."""
    summaries = PLAN_SUMMARIES if detail.get("plan") is not None else NO_PLAN_SUMMARIES
    template = summaries.get(language, summaries["en"])
    return template.format(
        rule=rule_name,
        metric=metric_label(metric, language),
        scope=scope,
        share=format_share(share),
        actual=format_value(metric, detail.get("actual")),
        plan=format_value(metric, detail.get("plan")),
        op=op,
        threshold=format_share(threshold),
    )


PHRASE_SUMMARIES: Final = {
    ("en", "agent"): "{rule}: {who} said “{phrase}” ({where})",
    ("en", "customer"): "{rule}: the customer said “{phrase}” on a call of {who} ({where})",
    ("pl", "agent"): "{rule}: {who} powiedział(a) „{phrase}” ({where})",
    ("pl", "customer"): "{rule}: klient powiedział „{phrase}” w rozmowie – konsultant {who} "
    "({where})",
}
PHRASE_WORDS: Final = {
    "en": {"list": "list", "queue": "queue", "unknown": "an agent"},
    "pl": {"list": "lista", "queue": "kolejka", "unknown": "konsultant"},
}


def describe_phrase(rule_name: str, detail: dict[str, Any], language: str = "en") -> str:
    """The one line of a banned-phrase alert, without the segment's text:
    `Banned phrase: Anna Nowak (a1) said “guarantee” (list promises, queue Sales)`."""
    language = language if language in PHRASE_WORDS else "en"
    words = PHRASE_WORDS[language]
    role = "customer" if detail.get("role") == "customer" else "agent"
    agent, name = detail.get("agent"), detail.get("agent_name")
    who = words["unknown"] if agent is None else (f"{name} ({agent})" if name else str(agent))
    where = f"{words['list']} {detail.get('list', '')}"
    if detail.get("queue"):
        where += f", {words['queue']} {detail['queue']}"
    return PHRASE_SUMMARIES[(language, role)].format(
        rule=rule_name, who=who, phrase=detail.get("phrase", ""), where=where
    )


def phrase_facts(alert: AlertOut) -> list[tuple[str, str]]:
    """Title and value of what a phrase alert adds to a chat card or an e-mail; the text only
    when the delivery carries it (app/alerts/outbox.py decides)."""
    phrase = alert.phrase
    if phrase is None:
        return []
    facts = [("Call", phrase.call_id), ("List", phrase.list), ("Phrase", phrase.phrase)]
    if phrase.text is not None:
        facts.append(("Said", phrase.text))
    return facts


def status_of(kind: NotificationKind) -> str:
    return "resolved" if kind == "resolved" else "firing"


def webhook_body(alert: AlertOut, kind: NotificationKind, delivery_id: int) -> bytes:
    """The generic webhook's JSON: `status` is `firing` or `resolved`, `fingerprint` is stable
    for the rule instance across episodes, `repeat` marks a reminder."""
    body: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "delivery_id": delivery_id,
        "status": status_of(kind),
        "repeat": kind == "repeat",
        "fingerprint": alert.fingerprint,
        "sent_at": datetime.now(UTC),
        "alert": alert.model_dump(mode="json"),
    }
    return orjson.dumps(body, option=orjson.OPT_UTC_Z)


def sign(secret: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header)


def title(alert: AlertOut, kind: NotificationKind) -> str:
    label = {"firing": "FIRING", "repeat": "STILL FIRING", "resolved": "RESOLVED"}[kind]
    return f"[{label}] {alert.severity}: {alert.rule_name} ({alert.scope})"


def slack_body(alert: AlertOut, kind: NotificationKind) -> bytes:
    """Slack incoming-webhook message (also understood by Mattermost and Rocket.Chat)."""
    colour = RESOLVED_COLOUR if kind == "resolved" else SEVERITY_COLOURS.get(alert.severity)
    return orjson.dumps(
        {
            "text": f"{title(alert, kind)}\n{alert.summary}",
            "attachments": [
                {
                    "color": colour,
                    "fallback": alert.summary,
                    "fields": [
                        {"title": "Severity", "value": alert.severity, "short": True},
                        {"title": "Scope", "value": alert.scope, "short": True},
                        {
                            "title": "Value",
                            "value": format_value(alert.metric, alert.value),
                            "short": True,
                        },
                        {"title": "Fingerprint", "value": alert.fingerprint, "short": True},
                        *(
                            {"title": name, "value": value, "short": name != "Said"}
                            for name, value in phrase_facts(alert)
                        ),
                    ],
                }
            ],
        }
    )


def teams_body(alert: AlertOut, kind: NotificationKind) -> bytes:
    """A Microsoft Teams incoming-webhook message carrying an Adaptive Card."""
    style = (
        "good"
        if kind == "resolved"
        else ("attention" if alert.severity == "critical" else "warning")
    )
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": title(alert, kind),
                "weight": "bolder",
                "size": "medium",
                "color": style,
                "wrap": True,
            },
            {"type": "TextBlock", "text": alert.summary, "wrap": True},
            {
                "type": "FactSet",
                "facts": [
                    {"title": "Severity", "value": alert.severity},
                    {"title": "Scope", "value": alert.scope},
                    {"title": "Value", "value": format_value(alert.metric, alert.value)},
                    {"title": "Fingerprint", "value": alert.fingerprint},
                    *({"title": name, "value": value} for name, value in phrase_facts(alert)),
                ],
            },
        ],
    }
    return orjson.dumps(
        {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }
    )


def email_message(
    alert: AlertOut, kind: NotificationKind, from_address: str, to: list[str]
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = title(alert, kind)
    message["From"] = from_address
    message["To"] = ", ".join(to)
    message["X-Floorwatch-Fingerprint"] = alert.fingerprint
    lines = [
        alert.summary,
        "",
        f"Status:      {status_of(kind)}",
        f"Severity:    {alert.severity}",
        f"Scope:       {alert.scope}",
        f"Value:       {format_value(alert.metric, alert.value)}",
        f"Started:     {alert.started_at.isoformat()}",
    ]
    if alert.fired_at is not None:
        lines.append(f"Fired:       {alert.fired_at.isoformat()}")
    if alert.ended_at is not None:
        lines.append(f"Resolved:    {alert.ended_at.isoformat()}")
    lines.append(f"Fingerprint: {alert.fingerprint}")
    lines.extend(f"{name + ':':<13}{value}" for name, value in phrase_facts(alert))
    message.set_content("\n".join(lines) + "\n")
    return message
