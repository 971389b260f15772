"""The client's address behind TRUSTED_PROXY_COUNT proxies, as the rate limits see it."""

import pytest

from config.client_ip import client_ip


def _request(rf, forwarded=None):
    extra = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(rf, "203.0.113.5")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "192.0.2.1, 203.0.113.5", "203.0.113.5"),  # the client's own header comes first
        (2, "192.0.2.1, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        (2, "203.0.113.5", "203.0.113.5"),  # fewer entries than proxies: the one a proxy wrote
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_the_outermost_trusted_proxy_wrote(rf, settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(rf, forwarded)) == expected


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address"])
def test_a_missing_or_malformed_header_falls_back_to_the_connecting_address(rf, settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(rf, forwarded)) == "10.0.0.2"


def test_a_bad_proxy_count_stops_start_up_with_a_message(tmp_path):
    from tests.test_settings import manage

    result = manage("check", env={"TRUSTED_PROXY_COUNT": "one"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "TRUSTED_PROXY_COUNT='one' is not a whole number" in result.stderr
