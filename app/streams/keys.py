"""Every Redis key and channel name, in one place.

Partition keys carry a hash tag (`{p7}`) so that all keys of one partition live in one slot of a
Redis Cluster and the Lua scripts that touch several of them stay legal there.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass


def partition_of(tenant_id: int, partitions: int) -> int:
    """A tenant always hashes to the same partition (stable across processes and restarts)."""
    return zlib.crc32(str(tenant_id).encode()) % partitions


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str

    def tag(self, partition: int) -> str:
        return f"{self.prefix}:{{p{partition}}}"

    def events(self, partition: int) -> str:
        return f"{self.tag(partition)}:events"

    def seen(self, partition: int, tenant_id: int) -> str:
        """Prefix of the de-duplication keys (`…:seen:TENANT:EVENT_ID`)."""
        return f"{self.tag(partition)}:seen:{tenant_id}:"

    def appended(self, partition: int, tenant_id: int) -> str:
        """The stream id of the tenant's last append (set by the append script)."""
        return f"{self.tag(partition)}:appended:{tenant_id}"

    def lease(self, partition: int) -> str:
        return f"{self.tag(partition)}:lease"

    def checkpoint(self, partition: int) -> str:
        return f"{self.tag(partition)}:checkpoint"

    def unreadable_checkpoint(self, partition: int) -> str:
        """A checkpoint the partition's new owner could not read, kept aside for diagnosis."""
        return f"{self.tag(partition)}:checkpoint:unreadable"

    def epoch(self, partition: int) -> str:
        """A counter raised at every take-over of the partition: the fencing token its owner
        writes views with (a former owner's token is lower, so its writes are refused)."""
        return f"{self.tag(partition)}:epoch"

    def view(self, tenant_id: int) -> str:
        """A hash of the tenant's live view, one field per part (app/streams/views.py)."""
        return f"{self.prefix}:view:{tenant_id}"

    def wanted(self, tenant_id: int) -> str:
        """The view parts API processes read (sorted set: part -> wanted until, wall ms)."""
        return f"{self.prefix}:wanted:{tenant_id}"

    def workers(self) -> str:
        return f"{self.prefix}:workers"

    def updates_channel(self) -> str:
        return f"{self.prefix}:updates"

    def alerts_channel(self) -> str:
        """Alert changes (message: the tenant id), for the wall feed of every API process."""
        return f"{self.prefix}:alerts"

    def rate_limit(self, subject: str, window: int) -> str:
        """Requests of one caller (`key:ID`, `user:ID`) in fixed window number `window`."""
        return f"{self.prefix}:rate:{subject}:{window}"
