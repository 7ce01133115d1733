"""Classroom mode finds the laptop's address on the room's network from the list
of its interfaces. The lists here are made up: nothing is sent anywhere."""

from __future__ import annotations

from survey.lan_address import Candidate, Interface, candidates, system_interfaces

LAPTOP = [
    Interface("lo", up=True, addresses=("127.0.0.1",)),
    Interface("enp3s0", up=False, addresses=("192.168.0.40",)),  # cable unplugged
    Interface("docker0", up=True, addresses=("172.17.0.1",)),
    Interface("br-5f2c1e0a9d3b", up=True, addresses=("172.18.0.1",)),
    Interface("tun0", up=True, addresses=("10.8.0.6",)),  # a VPN
    Interface("wlp2s0", up=True, addresses=("169.254.12.7", "192.168.1.23")),
]


def test_the_wifi_address_is_chosen_and_bridges_tunnels_loopback_and_link_local_are_not() -> None:
    assert candidates(LAPTOP) == [Candidate("wlp2s0", "192.168.1.23")]


def test_wireless_comes_before_wired_and_private_before_public() -> None:
    found = candidates(
        [
            Interface("eth0", up=True, addresses=("203.0.113.9",)),
            Interface("eth1", up=True, addresses=("10.0.0.12",)),
            Interface("wlan0", up=True, addresses=("172.20.10.3",)),  # a phone's hotspot
        ]
    )
    assert [c.address for c in found] == ["172.20.10.3", "10.0.0.12", "203.0.113.9"]


def test_windows_names_are_understood() -> None:
    found = candidates(
        [
            Interface("vEthernet (WSL)", up=True, addresses=("172.25.64.1",)),
            Interface("VirtualBox Host-Only Network", up=True, addresses=("192.168.56.1",)),
            Interface("Ethernet", up=True, addresses=("192.168.0.12",)),
            Interface("Wi-Fi", up=True, addresses=("192.168.43.100",)),
            Interface("Loopback Pseudo-Interface 1", up=True, addresses=("127.0.0.1",)),
        ]
    )
    assert found == [Candidate("Wi-Fi", "192.168.43.100"), Candidate("Ethernet", "192.168.0.12")]


def test_a_laptop_on_no_network_has_no_candidate() -> None:
    assert (
        candidates([Interface("lo", up=True, addresses=("127.0.0.1",)), Interface("wlan0", up=True, addresses=())])
        == []
    )


def test_the_system_list_names_the_loopback_interface() -> None:
    """Reading the machine's list (nothing is sent) gives IPv4 addresses, loopback among them."""
    assert any("127.0.0.1" in interface.addresses for interface in system_interfaces())
