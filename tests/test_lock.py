"""requirements.lock, which `make` installs from, pins every dependency setup.cfg names,
each with a hash: a dependency added to setup.cfg without `make lock` fails here rather
than at import time on a fresh machine."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def declared() -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    lines += config["options.extras_require"]["dev"].splitlines()
    return {canonicalize_name(Requirement(line).name) for line in lines if line.strip() and not line.startswith("#")}


def locked() -> dict[str, str]:
    """Pinned name -> the text of its entry (its hashes included)."""
    text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    pins = {}
    for entry in entries:
        pinned = re.match(r"([A-Za-z0-9_.-]+)==\S+", entry)
        if pinned:
            pins[canonicalize_name(pinned.group(1))] = entry
    return pins


def test_every_declared_dependency_is_pinned() -> None:
    assert declared() - locked().keys() == set()


def test_every_pin_carries_a_hash() -> None:
    pins = locked()
    assert len(pins) > len(declared())  # the dependencies' dependencies are pinned too
    assert [name for name, entry in pins.items() if "--hash=sha256:" not in entry] == []
