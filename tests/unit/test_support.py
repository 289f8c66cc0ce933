"""The test helpers' own promises."""

import socket

from tests.support import ephemeral_ports, free_port


def test_a_free_port_is_outside_the_ephemeral_range_and_can_be_bound():
    port = free_port()
    assert port not in ephemeral_ports()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))


def test_a_port_someone_listens_on_is_never_offered():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port(start=21000, stop=21001)))
        taken.listen()
        assert all(free_port(start=21000, stop=21002) == 21001 for _ in range(5))
