"""Bodies of `/v1/phrase-lists`."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.streams.aggregator.phrase_matching import normalize_phrase

ListKind = Literal["required", "banned", "signal"]
Role = Literal["agent", "customer", "any"]
MAX_PHRASES = 200


def check_phrases(phrases: list[str]) -> list[str]:
    """Each phrase matchable (letters or digits, `*` only at the end), none twice."""
    seen: dict[tuple[str, bool], str] = {}
    for phrase in phrases:
        key = normalize_phrase(phrase)
        if key in seen:
            raise ValueError(f"{phrase!r} matches what {seen[key]!r} matches already")
        seen[key] = phrase
    return [phrase.strip() for phrase in phrases]


ListName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]{1,40}$",
        description="Letters, digits, `_`, `-`: it names the list's metrics "
        "(`phrase_hits:NAME`, `script_adherence:NAME`).",
    ),
]
Phrases = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    Field(
        min_length=1,
        max_length=MAX_PHRASES,
        description="Words or phrases, matched as whole words regardless of case and "
        "diacritics (`zł` = `zl`); a phrase ending in `*` matches words that begin so "
        "(`rezygn*`).",
    ),
    AfterValidator(check_phrases),
]
WithinS = Annotated[
    int,
    Field(ge=1, le=3600, description="Required lists: the phrase counts only when said in "
          "the first this many seconds of the call."),
]  # fmt: skip


def within_refused(kind: str, within_s: int | None) -> str | None:
    """Why `within_s` does not fit a list of this kind, or None when it does."""
    if within_s is not None and kind != "required":
        return "`within_s` applies to `required` lists only"
    return None


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PhraseListIn(StrictModel):
    name: ListName
    kind: ListKind
    role: Role = Field("agent", description="Whose words are searched.")
    phrases: Phrases
    within_s: WithinS | None = None

    @model_validator(mode="after")
    def within_only_for_required(self) -> Self:
        refused = within_refused(self.kind, self.within_s)
        if refused:
            raise ValueError(refused)
        return self


class PhraseListUpdate(StrictModel):
    """Omitted fields stay as they are; `within_s: null` removes the limit."""

    name: ListName | None = None
    kind: ListKind | None = None
    role: Role | None = None
    phrases: Phrases | None = None
    within_s: WithinS | None = None


class PhraseListOut(BaseModel):
    id: int
    name: str
    kind: ListKind
    role: Role
    phrases: list[str]
    within_s: int | None
    version: int = Field(description="Raised by every change.")
