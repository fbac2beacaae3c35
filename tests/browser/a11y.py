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


#: The words of the page's navigation (menus, breadcrumbs, pagers) that the layout splits
#: across two lines: each word of a text node is measured as a Range, and a word on one
#: line has one box. (A word longer than the whole line may wrap; none of ours is.)
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest('nav') || !node.parentElement.checkVisibility()) continue;
    for (const word of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""


def phone_layout(page: Any, screenshot: Path | None = None) -> tuple[int, list[str]]:
    """At a 375 px phone's width: how many CSS pixels the page is wider (0 when it fits),
    and which words of its navigation are split across lines."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    try:
        width: int = page.evaluate("document.documentElement.scrollWidth")
        broken: list[str] = page.evaluate(BROKEN_WORDS)
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        if size:
            page.set_viewport_size(size)
    return max(0, width - PHONE_WIDTH), broken


def check_page(page: Any, name: str) -> None:
    """Assert the page has no critical or serious axe violations, fits 375 px and keeps its
    navigation's words whole there; keep a screenshot of it at both widths under
    ``SCREENSHOTS``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{slug}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, f"{name}: {json.dumps(violations, indent=1)}"
    overflow, broken = phone_layout(page, SCREENSHOTS / f"{slug}-375.png")
    assert overflow == 0, f"{name} is {overflow} px wider than a {PHONE_WIDTH} px phone"
    assert not broken, f"{name}: at {PHONE_WIDTH} px its navigation splits words {broken}"
