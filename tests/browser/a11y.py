"""What every page must pass in the browser: axe-core, a phone's width, a screenshot.

axe-core comes from the npm registry as a test asset (``tests/browser/assets``, installed
by ``.ci/run``: ``npm ci --prefix tests/browser/assets``); it is evaluated in the page
through the DevTools protocol, so the pages' Content-Security-Policy need not admit it.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ASSETS = Path(__file__).parent / "assets"
AXE = ASSETS / "node_modules" / "axe-core" / "axe.min.js"
#: Where the test run leaves a screenshot of every page it checks (look at them).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))
PHONE_WIDTH = 375
BLOCKING = ("critical", "serious")


@cache
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: .ci/run installs it with npm")
        pytest.skip(f"{AXE} is missing: run 'npm ci --prefix {ASSETS}'")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return the critical and serious violations."""
    page.evaluate(axe_source())
    result = page.evaluate(
        "async () => JSON.stringify((await axe.run(document, {resultTypes: ['violations']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )
    violations: list[dict[str, Any]] = json.loads(result)
    return [v for v in violations if v["impact"] in BLOCKING]


def overflow_at_phone_width(page: Any, screenshot: Path | None = None) -> int:
    """How many CSS pixels the page is wider than a 375 px phone (0 when it fits)."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        width: int = page.evaluate("document.documentElement.scrollWidth")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        if size:
            page.set_viewport_size(size)
    return max(0, width - PHONE_WIDTH)


def check_page(page: Any, name: str) -> None:
    """Assert the page has no critical or serious axe violations and fits 375 px; keep a
    screenshot of it at both widths under ``SCREENSHOTS``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{slug}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, f"{name}: {json.dumps(violations, indent=1)}"
    overflow = overflow_at_phone_width(page, SCREENSHOTS / f"{slug}-375.png")
    assert overflow == 0, f"{name} is {overflow} px wider than a {PHONE_WIDTH} px phone"
