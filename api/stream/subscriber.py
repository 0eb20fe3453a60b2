"""A channels subscriber with a bounded backlog that says when it overflowed.

The plugin's own bounded subscriber drops messages silently once full (`backoff` drops new
ones, `dropleft` old ones): a socket would then have a gap and not know it. Here the first
message that does not fit is replaced by OVERFLOW, and the socket closes: a client that
cannot keep up reconnects with `?after=` and reads what it missed from the table.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from litestar.channels.subscriber import Subscriber

if TYPE_CHECKING:
    from litestar.channels import ChannelsPlugin

OVERFLOW = b"\x00overflow"


class BoundedSubscriber(Subscriber):
    limit = 256  # set per app by `bounded_subscriber_class`

    def __init__(self, plugin: ChannelsPlugin, *_: object, **__: object) -> None:
        super().__init__(plugin)  # an unbounded queue: the bound is enforced below
        self.overflowed = False

    def put_nowait(self, item: bytes | None) -> bool:
        if item is not None and self.qsize >= self.limit:
            if not self.overflowed:
                self.overflowed = True
                super().put_nowait(OVERFLOW)
            return False
        return super().put_nowait(item)

    async def next(self, timeout: float) -> bytes | None:
        """The next message; b"" when none came within `timeout`; None when unsubscribed."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return b""


def bounded_subscriber_class(limit: int) -> type[BoundedSubscriber]:
    return type("BoundedSubscriber", (BoundedSubscriber,), {"limit": limit})
