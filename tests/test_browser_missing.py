"""Without Debian's chromium, a browser test fails with one line that says what to install."""

import os
import subprocess
import sys

import pytest


def test_a_missing_chromium_fails_with_one_line_saying_what_to_install(repo_root, tmp_path):
    environment = {**os.environ, "COURSE_TEST_CHROMIUM": str(tmp_path / "no-chromium-here")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/test_quiz_browser.py::test_without_javascript_question_and_answer_still_read",
        ],
        cwd=repo_root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "no-chromium-here not found" in output
    assert "(apt-get install chromium)" in output
    assert "playwright" not in output.lower(), output  # no Playwright stack
    assert "Traceback" not in output


pytestmark = pytest.mark.browser
