"""Request ids: unique within a process and across processes, forked ones included."""

from __future__ import annotations

import os
import re

from tradedesk.middleware import next_request_id


def test_ids_look_like_a_uuids_hex_and_never_repeat():
    ids = [next_request_id() for _ in range(1000)]

    assert all(re.fullmatch(r"[0-9a-f]{32}", each) for each in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_process_numbers_its_ids_apart():
    mine = next_request_id()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        os.write(writing, next_request_id().encode())
        os._exit(0)
    os.close(writing)
    theirs = os.read(reading, 64).decode()
    os.waitpid(child, 0)
    os.close(reading)

    assert theirs[:16] != mine[:16] and theirs != next_request_id()
