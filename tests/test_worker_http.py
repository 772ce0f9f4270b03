"""The worker's listener: a port already taken is one sentence at start-up, not a traceback later."""

from __future__ import annotations

import socket

import pytest
from litestar import Litestar

from core.errors import StartupError
from core.worker_http import WorkerListener


async def test_a_port_in_use_is_a_start_up_error_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        listener = WorkerListener(Litestar(route_handlers=[]), "127.0.0.1", port)
        with pytest.raises(StartupError) as refused:
            await listener.start()
    assert (
        str(refused.value)
        == f"worker: cannot listen on 127.0.0.1:{port} (Address already in use); choose another --port"
    )


async def test_port_zero_takes_a_free_one_and_says_which() -> None:
    listener = WorkerListener(Litestar(route_handlers=[]), "127.0.0.1", 0)
    await listener.start()
    try:
        assert listener.bound is not None and listener.bound.startswith("127.0.0.1:")
        assert int(listener.bound.rsplit(":", 1)[1]) > 0
    finally:
        await listener.stop()
