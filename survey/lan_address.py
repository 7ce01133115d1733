"""The laptop's address on the room's network, for classroom mode (``survey serve --lan``).

Phones on the room's Wi-Fi reach the laptop at its address on that network,
which links, code cards and the poster must then show. The address is chosen
from the list of the machine's interfaces as the system reports it (reading
that list sends nothing on any network), so tests give a made-up list.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

#: Interfaces that phones in the room cannot reach: container and virtual
#: machine bridges, VPN tunnels (names as Linux, macOS and Windows give them).
_UNREACHABLE_PREFIXES = (
    "docker",
    "br-",
    "veth",
    "virbr",
    "vboxnet",
    "vmnet",
    "lxcbr",
    "lxdbr",
    "podman",
    "cni",
    "flannel",
    "cali",
    "tailscale",
    "zt",
    "utun",
    "tun",
    "tap",
    "wg",
    "vethernet",
)
_UNREACHABLE_WORDS = ("virtual", "vmware", "hyper-v", "bluetooth", "loopback", "vpn")
#: Names of wireless interfaces: the room's Wi-Fi is where the phones are.
_WIRELESS_PREFIXES = ("wl", "wi-fi", "wifi", "wlan", "wireless", "airport")
#: The private ranges a room's Wi-Fi router or a phone's hotspot hands out.
_PRIVATE = tuple(ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


@dataclass(frozen=True)
class Interface:
    name: str
    up: bool
    #: Its IPv4 addresses, dotted.
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    interface: str
    address: str


def system_interfaces() -> list[Interface]:
    """The machine's network interfaces and their IPv4 addresses, as the system lists them."""
    stats = psutil.net_if_stats()
    return [
        Interface(
            name=name,
            up=name in stats and stats[name].isup,
            addresses=tuple(entry.address for entry in entries if entry.family == socket.AF_INET),
        )
        for name, entries in psutil.net_if_addrs().items()
    ]


def candidates(interfaces: Iterable[Interface]) -> list[Candidate]:
    """Addresses phones could reach this machine at, the likeliest first.

    Skipped: interfaces that are down or virtual, loopback, link-local (a
    network without a router to hand out addresses) and multicast addresses.
    First the private ranges of a Wi-Fi router, wireless interfaces before
    wired ones; then any other address (some institutions' networks use public
    ones). Within a rank, the system's order is kept.
    """
    ranked: list[tuple[int, int, Candidate]] = []
    for index, interface in enumerate(interfaces):
        name = interface.name.lower()
        if not interface.up or name.startswith(_UNREACHABLE_PREFIXES) or any(w in name for w in _UNREACHABLE_WORDS):
            continue
        for address in interface.addresses:
            try:
                ip = ipaddress.IPv4Address(address)
            except ipaddress.AddressValueError:
                continue
            if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
                continue
            private = any(ip in network for network in _PRIVATE)
            wireless = name.startswith(_WIRELESS_PREFIXES)
            rank = (0 if private else 2) + (0 if wireless else 1)
            ranked.append((rank, index, Candidate(interface.name, address)))
    return [candidate for _, _, candidate in sorted(ranked, key=lambda item: (item[0], item[1]))]
