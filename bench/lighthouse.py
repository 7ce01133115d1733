"""Lighthouse (npm ``lighthouse``, pinned in tests/judges/lighthouse/, installed
in .lighthouse/ by ``make lighthouse``) run with Debian's Node and Chromium on
one address, mobile preset (Lighthouse's default): its category scores and
the audits that failed. Used by tests/judges/test_lighthouse.py (accessibility
and best practices must be 100) and by bench/slow_link.py (the performance
score, printed, never asserted)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CLI = REPO / ".lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = Path("/usr/bin/chromium")


class LighthouseMissing(RuntimeError):
    """Lighthouse, Node or Chromium is not installed here (the message says which and how)."""


@dataclass(frozen=True)
class Audit:
    id: str
    title: str
    score: float | None
    #: What Lighthouse shows under the audit (the elements or the values at fault), shortened.
    detail: str

    def __str__(self) -> str:
        return f"{self.id} (score {self.score}): {self.title}{': ' + self.detail if self.detail else ''}"


@dataclass(frozen=True)
class Result:
    #: Category id (accessibility, best-practices, performance) -> score from 0 to 100.
    scores: dict[str, int]
    #: Per category, its audits that did not pass (a score under 1; informative ones left out).
    failed: dict[str, list[Audit]]


def missing() -> str:
    """Why Lighthouse cannot run here, or "" when it can."""
    if shutil.which("node") is None:
        return "node is missing: `apt-get install -y nodejs npm`"
    if not CLI.exists():
        return f"{CLI} is missing: `make lighthouse` installs the pinned Lighthouse"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `apt-get install -y chromium`"
    return ""


def _detail(audit: dict[str, Any]) -> str:
    items = (audit.get("details") or {}).get("items") or []
    shown = []
    for item in items[:5]:
        node = item.get("node") if isinstance(item, dict) else None
        if isinstance(node, dict):
            shown.append(str(node.get("selector") or node.get("snippet") or ""))
        elif isinstance(item, dict):
            shown.append(str(item.get("description") or item.get("source") or item.get("url") or item)[:160])
    return "; ".join(shown)


def run(url: str, categories: tuple[str, ...], *, timeout: float = 300) -> Result:
    """Lighthouse on ``url``, mobile, the given categories; raises LighthouseMissing."""
    why = missing()
    if why:
        raise LighthouseMissing(why)
    command = [
        "node",
        str(CLI),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(categories)}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"lighthouse failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse: {report['runtimeError']}")
    audits = report["audits"]
    scores: dict[str, int] = {}
    failed: dict[str, list[Audit]] = {}
    for name, category in report["categories"].items():
        scores[name] = round(100 * (category["score"] or 0))
        failed[name] = [
            Audit(ref["id"], audits[ref["id"]]["title"], audits[ref["id"]]["score"], _detail(audits[ref["id"]]))
            for ref in category["auditRefs"]
            if ref.get("weight", 0) > 0
            and audits[ref["id"]].get("score") is not None
            and audits[ref["id"]]["score"] < 1
        ]
    return Result(scores, failed)
