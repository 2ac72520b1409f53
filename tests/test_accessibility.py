"""Accessibility as a test: axe-core on every page of the built site, in light and dark mode.

axe-core comes with the ``axe-playwright-python`` package and runs in Debian's chromium on the
session's built site, served as `make serve` serves it, at 1280 px. The goal is no violation of
impact serious or critical; the failure lists each with its mode, page, rule and selectors.
"""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.site]

BLOCKING_IMPACTS = {"serious", "critical"}
MODES = ("light", "dark")


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the site, as paths relative to its top (theme snippets left out)."""
    return sorted(
        str(page.relative_to(site))
        for page in site.rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(page.relative_to(site).parts)
    )


def blocking_violations(axe: Axe, page, where: str) -> list[str]:
    """One line per serious or critical violation axe finds on ``page``: where, rule, targets."""
    results = axe.run(page)
    return [
        f"{where}: {violation['id']} ({violation['impact']}): "
        + "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def test_every_page_has_no_serious_violation_in_light_and_dark_mode(
    browser, built_site, served_site
):
    pages = site_pages(built_site.html)
    assert len(pages) >= 15, pages
    axe = Axe()
    problems = []
    for mode in MODES:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
        # The theme keeps the reader's choice in localStorage; set it as if she had picked it.
        context.add_init_script(
            f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
        )
        page = context.new_page()
        for path in pages:
            page.goto(served_site + path, wait_until="load")
            assert page.evaluate("document.documentElement.dataset.theme") == mode, path
            problems += blocking_violations(axe, page, f"{mode} {path}")
        context.close()
    assert problems == [], "\n".join(problems)
