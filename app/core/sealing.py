"""Secrets sealed at rest.

Some secrets must be readable by the service (alert channels' signing keys and passwords, CRM
webhook secrets), so they cannot be hashed like passwords and API keys. With
`FLOORWATCH_SECRET_KEY` set they are encrypted (Fernet: AES-128-CBC with an HMAC-SHA256 tag)
before they reach the database, so a database dump or backup without the key does not give them
away; they are opened only in the process that uses them.
`FLOORWATCH_PREVIOUS_SECRET_KEYS` still open what older keys sealed, for a rotation: start with
the new key first and the old one previous, then `floorwatch secrets reseal` (or any start of
`serve`) seals everything with the new key.

A sealed value is `fwsealed:v1:` + the Fernet token. Without any key, values are stored as
given (and `serve` warns); a sealed value met without the right key is not guessed at: the
caller says so (showing a channel, failing a delivery with the reason).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fwsealed:v1:"
UNKNOWN_KEY = (
    "the channel's secrets were sealed with a key that is neither FLOORWATCH_SECRET_KEY nor one "
    "of FLOORWATCH_PREVIOUS_SECRET_KEYS"
)


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


class SecretUnavailable(Exception):
    """A sealed secret that the configured keys cannot open."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def check_key(key: str) -> str:
    """`key` if it is a Fernet key (32 bytes, URL-safe base64), else ValueError."""
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ValueError(
            "expected 32 bytes in URL-safe base64 (make one with `floorwatch secrets generate-key`)"
        ) from None
    return key


class SecretBox:
    """Seals with the first key, opens with any of them."""

    def __init__(self, keys: Sequence[str]) -> None:
        fernets = [Fernet(k.encode("ascii")) for k in keys]
        self._first = fernets[0] if fernets else None
        self._fernet = MultiFernet(fernets) if fernets else None

    @property
    def enabled(self) -> bool:
        """Whether there is a key to seal with."""
        return self._first is not None

    def seal(self, value: str) -> str:
        if self._fernet is None or is_sealed(value):
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode("ascii")

    def open(self, value: str) -> str:
        if not is_sealed(value):
            return value
        if self._fernet is None:
            raise SecretUnavailable(
                "the channel's secrets are sealed and FLOORWATCH_SECRET_KEY is not set"
            )
        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode("ascii")).decode()
        except InvalidToken:
            raise SecretUnavailable(UNKNOWN_KEY) from None

    def needs_sealing(self, value: str) -> bool:
        """Whether `value` should be resealed: plain text, or sealed with an older key."""
        if self._first is None:
            return False
        if not is_sealed(value):
            return True
        try:
            self._first.decrypt(value[len(PREFIX) :].encode("ascii"))
        except InvalidToken:
            return True
        return False

    def reseal(self, value: str) -> str:
        """`value` sealed with the first key (opening it with whichever key sealed it)."""
        if self._fernet is None:
            return value
        if not is_sealed(value):
            return self.seal(value)
        try:
            token = self._fernet.rotate(value[len(PREFIX) :].encode("ascii"))
        except InvalidToken:
            raise SecretUnavailable(UNKNOWN_KEY) from None
        return PREFIX + token.decode("ascii")
