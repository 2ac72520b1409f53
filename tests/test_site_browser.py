"""The built site in Debian's chromium at 1280 px: code and tables that fit, search that works.

One visit per concern over the session's built site, served as `make serve` serves it (and
opened from its files, as a reader may open it).
"""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.site]

EXERCISE_PAGES = ("medical-imaging/exercises/siim.html", "medical-imaging/exercises/lits.html")
THEME_MENU_WORDS = ("System Settings", "Light Dark", "Contents")


def test_code_reads_without_sideways_scrolling_and_wide_tables_scroll_in_a_box(
    browser, served_site
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    for path in EXERCISE_PAGES:
        page.goto(served_site + path, wait_until="load")
        # Open every solution and folded cell, as a learner does one after the other.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        page.evaluate(
            "() => document.querySelectorAll('.toggle-hidden').forEach("
            "e => e.classList.remove('toggle-hidden'))"
        )
        found = page.evaluate(
            """() => {
              const article = document.querySelector('article.bd-article');
              const shown = e => e.offsetParent !== null;
              const code = [...article.querySelectorAll('div.highlight pre')].filter(shown);
              const scrolling = code.filter(pre => pre.scrollWidth > pre.clientWidth + 1)
                .map(pre => 'code scrolls: ' + pre.textContent.slice(0, 50));
              const unboxed = [...article.querySelectorAll('table')].filter(shown)
                .filter(table => table.getBoundingClientRect().width > article.clientWidth)
                .filter(table => {
                  for (let box = table.parentElement; box !== article; box = box.parentElement) {
                    const style = getComputedStyle(box);
                    if (style.overflowX === 'auto' && style.borderTopWidth !== '0px') {
                      return box.getBoundingClientRect().width > article.clientWidth;
                    }
                  }
                  return true;
                }).map(table => 'table overflows the column: ' + table.className);
              return {code: code.length, problems: [...scrolling, ...unboxed]};
            }"""
        )
        assert found["code"] >= 5, path
        problems += [f"{path}: {problem}" for problem in found["problems"]]
    context.close()
    assert problems == [], problems


def search_results(page, url: str) -> list[str]:
    """The result titles of a search page once the search has finished.

    Sphinx's search adds the summary paragraph empty when it starts, then one result every
    few milliseconds, and writes the summary ("Search finished, found 7 pages ...") after the
    last one: the titles are read once that text is there, and must be as many as it says.
    """
    page.goto(url, wait_until="load")
    summary = "#search-results p.search-summary"
    page.wait_for_function(f"() => document.querySelector('{summary}')?.innerText.trim()")
    said = page.locator(summary).inner_text()
    titles = page.locator("#search-results ul.search li > a").all_inner_texts()
    found = re.search(r"found (one|\d+) pages?", said)
    assert found, said
    assert len(titles) == (1 if found[1] == "one" else int(found[1])), (said, titles)
    return titles


def test_search_snippets_leave_out_the_theme_menus_and_file_search_still_lists(
    browser, served_site, built_site
):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    titles = search_results(page, served_site + "search.html?q=affine")
    assert len(titles) >= 2
    page.wait_for_function("() => document.querySelectorAll('#search-results p.context').length")
    snippets = page.locator("#search-results p.context").all_inner_texts()
    assert snippets
    assert [s for s in snippets if any(word in s for word in THEME_MENU_WORDS)] == []
    assert [s for s in snippets if "min read" in s] == []

    on_file = search_results(page, (built_site.html / "search.html").as_uri() + "?q=affine")
    assert sorted(on_file) == sorted(titles)
    page.wait_for_timeout(500)  # a refused fetch would log its error by now
    context.close()
    assert errors == []


def test_a_first_visit_logs_no_console_error(browser, served_site):
    context = browser.new_context()  # empty storage: the reader has picked no theme yet
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    for path in ("index.html", "medical-imaging/nifti.html"):
        page.goto(served_site + path, wait_until="load")
    context.close()
    assert [m for m in messages if m.startswith(("error", "pageerror"))] == []
    assert [m for m in messages if "theme mode" in m] == []
