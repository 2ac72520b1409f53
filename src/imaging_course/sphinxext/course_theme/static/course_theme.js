/* Search as the course needs it (imaging_course.sphinxext.course_theme).
 *
 * 1. Sphinx's search makes each result's snippet from the text of the page's main element;
 *    with the book theme that element also holds the article header and the page's table of
 *    contents, whose words ("System Settings Light Dark ... Contents") opened every snippet.
 *    The snippet is now made from the article alone.
 * 2. Opened from a file (file://), the browser refuses the fetch behind each snippet and logs
 *    errors: the results are then listed without snippets (`make serve` shows them).
 */
(function () {
  "use strict";

  function adjustSearch() {
    if (typeof Search === "undefined" || typeof DOCUMENTATION_OPTIONS === "undefined") {
      return; // not the search page
    }
    if (window.location.protocol === "file:") {
      DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
    }
    var pageText = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var page = new DOMParser().parseFromString(htmlString, "text/html");
      var article = page.querySelector("article.bd-article");
      if (!article) {
        return pageText(htmlString, anchor);
      }
      article.querySelectorAll(".reading-time").forEach(function (line) {
        line.remove();
      });
      // Keep the article only, still inside [role=main] so that anchors resolve as before.
      var main = page.createElement("main");
      main.setAttribute("role", "main");
      main.appendChild(article);
      page.body.replaceChildren(main);
      return pageText(page.documentElement.outerHTML, anchor);
    };
  }

  adjustSearch();
})();
