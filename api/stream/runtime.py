"""The stream's parts for one application: the channels plugin on the resilient backend, the
per-user leases and the replay queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from litestar.channels import ChannelsPlugin
from redis.asyncio import Redis

from api.security.sessions import SessionStore
from api.stream.backend import ResilientPubSubBackend, pubsub_client
from api.stream.config import StreamConfig
from api.stream.leases import SocketLeases
from api.stream.subscriber import bounded_subscriber_class
from projections.read_models.stream.queries import StreamReplay
from projections.redis_keys import STREAM_BROADCAST_CHANNEL as BROADCAST_CHANNEL


@dataclass
class StreamRuntime:
    config: StreamConfig
    replay: StreamReplay
    leases: SocketLeases
    sessions: SessionStore
    backend: ResilientPubSubBackend
    plugin: ChannelsPlugin
    event_head: Callable[[], int]


def build_stream(
    config: StreamConfig,
    replay: StreamReplay,
    redis_url: str,
    security_redis: Redis,
    sessions: SessionStore,
    event_head: Callable[[], int],
) -> StreamRuntime:
    backend = ResilientPubSubBackend(pubsub_client(redis_url), permanent=(BROADCAST_CHANNEL,))
    plugin = ChannelsPlugin(
        backend,
        channels=[BROADCAST_CHANNEL],  # subscribed at start-up, so it is never empty
        arbitrary_channels_allowed=True,  # one channel per user
        subscriber_class=bounded_subscriber_class(config.backlog),
    )
    # A lease outlives three pings: a socket renews it at every ping.
    leases = SocketLeases(security_redis, config.max_connections_per_user, 3 * config.ping_seconds)
    return StreamRuntime(config, replay, leases, sessions, backend, plugin, event_head)
