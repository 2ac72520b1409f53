"""`make live` for real: a live server on a copy of the site shows an edit without a restart."""

import uuid

import pytest

from imaging_course.site_build import (
    copy_site,
    free_port,
    live_server,
    sphinx_reports,
    wait_for_text,
)

pytestmark = pytest.mark.site

EDITED_PAGE = "medical-imaging/optional-reading"


def test_the_live_server_serves_an_edited_page(tmp_path, built_site):
    site = copy_site(tmp_path / "site", executed_cache=built_site.html.parent / ".jupyter_cache")
    source = site / "docs" / f"{EDITED_PAGE}.md"
    with live_server(site, free_port(), tmp_path / "live.log") as base_url:
        page_url = f"{base_url}/{EDITED_PAGE}.html"
        try:
            wait_for_text(page_url, "Optional", timeout=600)
            marker = f"Edited-{uuid.uuid4().hex}"
            source.write_text(
                source.read_text(encoding="utf-8") + f"\n\n{marker}\n", encoding="utf-8"
            )
            wait_for_text(page_url, marker, timeout=120)
        except TimeoutError as error:
            log = (tmp_path / "live.log").read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"{error}\n--- live server log (tail) ---\n{log[-3000:]}")
    # The copy builds as strictly as the site: the exercise pages find the solutions they quote.
    log = (tmp_path / "live.log").read_text(encoding="utf-8", errors="replace")
    assert sphinx_reports(log) == []
