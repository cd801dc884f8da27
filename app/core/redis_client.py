"""The one way the service connects to Redis: a single server (`redis://`, `rediss://`) or a
Redis Cluster (`redis+cluster://HOST:PORT`, `rediss+cluster://…`: any node of the cluster; the
client discovers the others and follows slot moves).

The rest of the code works on both: every multi-key command and script touches the keys of
one partition only, which share a hash tag (app/streams/keys.py), and the few places that read
several partitions at once ask one at a time on a cluster (app/streams/worker.py).
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

RedisClient = Redis | RedisCluster
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_cluster_url(url: str) -> bool:
    scheme, _, _ = url.partition("://")
    return scheme in CLUSTER_SCHEMES


def plain_url(url: str) -> str:
    """The URL with a cluster scheme turned into the plain one redis-py parses."""
    scheme, sep, rest = url.partition("://")
    return f"{CLUSTER_SCHEMES.get(scheme, scheme)}{sep}{rest}"


def connect_redis(url: str, **options: Any) -> RedisClient:
    """A client of `url` (not connected until first used). Options are redis-py's, for both."""
    settings: dict[str, Any] = {
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "health_check_interval": 30,
        **options,
    }
    if is_cluster_url(url):
        settings.pop("health_check_interval")
        return RedisCluster.from_url(plain_url(url), **settings)
    return Redis.from_url(url, **settings)
