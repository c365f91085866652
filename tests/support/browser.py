"""Fixtures for the browser tests: Debian's chromium driven by Playwright (its own browser
download is not reachable), and where screenshots go."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """Headless chromium; the test is skipped without it (failed with
    ``ORDERDESK_REQUIRE_BROWSER``, as in CI)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("ORDERDESK_REQUIRE_BROWSER"):
            pytest.fail(f"no chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a test's screenshots go: docs/screenshots/ with ``ORDERDESK_SCREENSHOTS=1`` (the
    README's), else a folder of the test's own."""
    folder = SCREENSHOTS if os.environ.get("ORDERDESK_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# What every page must offer assistive technology; returns the problems found.
A11Y_CHECK = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('html has no lang');
  if (!document.title.trim()) problems.push('no title');
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push('unlabelled ' + el.tagName + ' ' + (el.name || el.id));
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt ' + img.src);
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.getAttribute('role') !== 'img' || !svg.getAttribute('aria-label'))
      problems.push('svg without role=img and aria-label');
  }
  for (const b of document.querySelectorAll('button')) {
    if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('empty button');
  }
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push('heading skips to ' + h.tagName + ': ' + h.textContent);
    last = level;
  }
  return problems;
}"""
