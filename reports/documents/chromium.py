"""HTML to PDF with Debian's Chromium, headless.

A real browser engine lays out Arabic right to left with proper shaping and
draws Plotly's SVG charts as the screen does; lighter engines get both wrong.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=15000",
)


class PdfUnavailable(RuntimeError):
    """No Chromium on this machine (install Debian's ``chromium``)."""


def find_chromium() -> str | None:
    configured = os.environ.get("SURVEY_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, *, timeout: float = 120) -> bytes:
    """Print ``html`` (a self-contained page: no network is used) to PDF bytes.

    Raises PdfUnavailable without Chromium, RuntimeError if printing fails.
    Page size and margins come from the page's own ``@page`` CSS.
    """
    chromium = find_chromium()
    if chromium is None:
        raise PdfUnavailable("Chromium is needed to make PDF files: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="survey-pdf-") as tmp:
        source = Path(tmp) / "report.html"
        target = Path(tmp) / "report.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)  # noqa: S603
        if not target.exists() or target.stat().st_size == 0:
            raise RuntimeError(f"Chromium could not print the PDF: {result.stderr.decode(errors='replace')[-500:]}")
        return target.read_bytes()
