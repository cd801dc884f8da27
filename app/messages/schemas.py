"""Request and response bodies of `/v1/messages`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_TEXT: Final = 280
MAX_LIFETIME_DAYS: Final = 30


def _one_line(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("a message is not only white space")
    return value


MessageText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT, description="One line; white space is collapsed."),
    AfterValidator(_one_line),
]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: MessageText
    dashboard_id: int | None = Field(
        None,
        description="The dashboard whose walls (signed-in wall mode and display links) show it; "
        "null: every wall of the tenant (admins and supervisors of all teams only).",
    )
    expires_at: datetime | None = Field(
        None,
        description="When it leaves the walls (with a time zone; in the future, within "
        f"{MAX_LIFETIME_DAYS} days); null: until it is deleted.",
    )


class MessageOut(BaseModel):
    id: int
    text: str
    dashboard_id: int | None
    dashboard: str | None = Field(description="The dashboard's name; null: every wall.")
    team: str | None = Field(description="The team the dashboard is shared with, if any.")
    expires_at: datetime | None
    created_by: str | None
    created_at: datetime
