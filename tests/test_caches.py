"""Everything a worker keeps between requests is in survey/caches.py (the
service's) or reports/caches.py (the library's), where each cache says why
keeping it is safe with several workers: nowhere else may state be kept (an
lru_cache, functools.cache, or a module-level dict or list filled at run
time)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from reports import caches
from survey import caches as service_caches

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("survey", "reports")
MEMOISERS = {"cache", "lru_cache", "cached_property"}
EMPTY_CONTAINERS = {"dict", "list", "set", "WeakKeyDictionary", "WeakValueDictionary", "defaultdict"}
#: State that is not a cache, kept where it is used, with its reason (README.md lists it too).
NOT_CACHES = {
    ROOT / "survey" / "storage" / "engines.py": "each SQLite engine's writer turns: locks, not copies of data",
}


def _sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def _hidden_state(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in MEMOISERS:
                    found.append(f"line {node.lineno}: @{name} on {node.name}")
    for node in tree.body:  # module level only: a local dict is no state
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        empty = isinstance(value, (ast.Dict, ast.List, ast.Set)) and not getattr(
            value, "keys", getattr(value, "elts", None)
        )
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") in {
            "dict",
            "list",
            "set",
            "WeakKeyDictionary",
        }:
            empty = not value.args
        if isinstance(value, ast.Call) and getattr(value.func, "attr", "") in {
            "WeakKeyDictionary",
            "WeakValueDictionary",
        }:
            empty = True
        if empty:
            found.append(f"line {node.lineno}: a module-level container filled at run time")
    return found


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_keeps_state_outside_the_caches_module(path: Path) -> None:
    if path in {ROOT / "survey" / "caches.py", ROOT / "reports" / "caches.py"} or path in NOT_CACHES:
        return
    assert _hidden_state(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_scan_finds_each_way_of_keeping_state() -> None:
    source = (
        "import functools\n"
        "_KEPT = {}\n"
        "_SEEN: list[str] = []\n"
        "@functools.lru_cache(maxsize=4)\n"
        "def a(x): return x\n"
        "@cache\n"
        "def b(x): return x\n"
        "TABLE = {'fr': 'Français'}\n"
    )
    assert len(_hidden_state(ast.parse(source))) == 4


def test_every_cache_is_bounded_says_why_and_is_emptied_by_clear_all() -> None:
    assert service_caches.QUESTION_IDS in caches.ALL  # one registry for the service's and the library's
    assert len({cache.name for cache in caches.ALL}) == len(caches.ALL)
    for cache in caches.ALL:
        assert cache.bound >= 1
        assert len(cache.safe_because) > 20
        cache.put(("probe",), "value")
    caches.clear_all()
    assert all(len(cache) == 0 for cache in caches.ALL)


def test_a_full_cache_starts_again_rather_than_growing() -> None:
    cache: caches.Cache[int, int] = caches.Cache("probe", 3, "a test's own cache, never used by the service")
    try:
        for number in range(3):
            cache.put(number, number)
        assert len(cache) == 3
        cache.put(3, 3)
        assert len(cache) == 1
        assert cache.get(3) == 3
    finally:
        caches.ALL.remove(cache)


def test_readme_names_every_cache() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())  # lines wrap anywhere
    missing = [cache.name for cache in caches.ALL if cache.name not in readme]
    assert missing == []
