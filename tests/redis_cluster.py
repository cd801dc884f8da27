"""A real three-master Redis Cluster on loopback ports, in a temporary directory: what the
redis-engine tests run against besides the single server (`redis+cluster://` URLs)."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from redis.cluster import RedisCluster

MASTERS = 3
READY_WITHIN_S = 30.0


BUS_OFFSET = 10_000
"""A cluster node also listens on its port + 10,000 (the cluster bus)."""


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A port free with its bus port (both under 65,536, outside the ephemeral range)."""
    for _ in range(200):
        port = random.randrange(20_000, 30_000)
        if _free(port) and _free(port + BUS_OFFSET):
            return port
    raise ClusterUnavailable("no free port pair for a cluster node")


class ClusterUnavailable(RuntimeError):
    """The cluster could not be started (no redis-server, or it did not come up)."""


def _start_node(directory: Path, port: int) -> subprocess.Popen[bytes]:
    directory.mkdir()
    options = {
        "port": str(port),
        "bind": "127.0.0.1",
        "cluster-enabled": "yes",
        "cluster-config-file": "nodes.conf",
        "cluster-node-timeout": "5000",
        "appendonly": "no",
        "save": "",
        "dir": str(directory),
        "logfile": "redis.log",
    }
    return subprocess.Popen(
        [
            "redis-server",
            *(part for name, value in options.items() for part in (f"--{name}", value)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_answering(port: int, deadline: float) -> None:
    client = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError as exc:
                if time.monotonic() > deadline:
                    raise ClusterUnavailable(f"redis-server on port {port} did not start") from exc
                time.sleep(0.05)
    finally:
        client.close()


def _wait_ok(ports: list[int], deadline: float) -> None:
    """Every node sees the cluster as `ok` and every slot is served."""
    for port in ports:
        client = redis.Redis(port=port)
        try:
            while True:
                info = client.execute_command("CLUSTER INFO")  # type: ignore[no-untyped-call]
                if info.get("cluster_state") == "ok" and info.get("cluster_slots_ok") == "16384":
                    break
                if time.monotonic() > deadline:
                    raise ClusterUnavailable(f"the cluster is not ok: {info}")
                time.sleep(0.1)
        finally:
            client.close()


@contextmanager
def redis_cluster(directory: Path) -> Iterator[str]:
    """Start the cluster under `directory`; yield its URL; stop the nodes and leave nothing
    running."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        raise ClusterUnavailable("redis-server and redis-cli are not installed")
    ports: list[int] = []
    while len(ports) < MASTERS:
        if (port := cluster_port()) not in ports:
            ports.append(port)
    nodes = [_start_node(directory / f"node{port}", port) for port in ports]
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        for port in ports:
            _wait_answering(port, deadline)
        addresses = [f"127.0.0.1:{port}" for port in ports]
        created = subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *addresses,
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
            timeout=READY_WITHIN_S,
        )
        if created.returncode != 0:
            raise ClusterUnavailable(f"redis-cli --cluster create failed: {created.stdout[-500:]}")
        _wait_ok(ports, deadline)
        yield f"redis+cluster://127.0.0.1:{ports[0]}"
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait(5)


def delete_keys(url: str, pattern: str) -> None:
    """Delete the keys matching `pattern` on every master of the cluster at `url`."""
    host_port = url.split("://", 1)[1]
    host, _, port = host_port.partition(":")
    client = RedisCluster(host=host, port=int(port))
    try:
        for key in client.scan_iter(pattern, count=1000):
            client.delete(key)
    finally:
        client.close()
