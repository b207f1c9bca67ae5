"""The server's helper process for GIL-holding work (server/offload.py): calls run apart, errors come
back as themselves, and a helper that dies costs one call, not the server."""
from __future__ import annotations

import operator
import os

import pytest

from fantasy_talking.server.offload import Helper, OffloadError


@pytest.fixture()
def helper():
    running = Helper()
    yield running
    running.close()


def test_a_call_runs_in_another_process_and_the_process_is_kept(helper):
    first = helper.call(os.getpid)
    assert first != os.getpid()
    assert helper.call(os.getpid) == first
    assert helper.call(operator.add, 2, 3) == 5


def test_an_exception_in_the_call_is_raised_in_the_caller(helper):
    with pytest.raises(ZeroDivisionError):
        helper.call(operator.truediv, 1, 0)
    assert helper.call(operator.mul, 6, 7) == 42   # the helper goes on


def test_a_helper_that_dies_fails_one_call_and_the_next_starts_a_new_one(helper):
    before = helper.call(os.getpid)
    with pytest.raises(OffloadError, match="ended"):
        helper.call(os._exit, 3)
    after = helper.call(os.getpid)
    assert after not in (before, os.getpid())


def test_what_a_library_prints_cannot_corrupt_the_answers(helper):
    assert helper.call(os.write, 1, b"noise on stdout\n") == len(b"noise on stdout\n")
    assert helper.call(operator.add, 1, 1) == 2
