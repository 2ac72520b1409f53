"""``python -m imaging_course.notebooks sync|check``: write the learner notebooks from the
stubs, or say which differ from what the stubs make (exit status 1)."""

import argparse
import sys

from imaging_course.notebooks.generate import exercise_notebooks, out_of_sync


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m imaging_course.notebooks")
    parser.add_argument("command", choices=["sync", "check"])
    args = parser.parse_args(argv)
    if args.command == "check":
        problems = out_of_sync()
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    for path, text in exercise_notebooks().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
