"""``python -m imaging_course.datasets generate NAME --scale S --seed N --out DIR``.

The command behind `make data`; NAME is a dataset of
:data:`~imaging_course.datasets.registry.DATASETS`, whose entries also give the help its
sizes and layouts. Problems the user can fix (a bad scale or seed, a folder that is not ours,
too little disk) end with exit status 2 and one line on stderr naming the problem.
"""

import argparse
import sys
from pathlib import Path

from imaging_course.datasets.generation import SCALES, GenerationError, check_scale, check_seed
from imaging_course.datasets.registry import DATASETS

DESCRIPTION = """\
Generate a deterministic stand-in for a Kaggle dataset: the same seed and scale give
byte-identical files. A rerun with the same options does nothing; a rerun after an
interruption completes the folder. See docs/datasets/ for what each dataset holds."""

SCALE_PURPOSES = {
    "tiny": "a few dozen files in seconds (tests)",
    "sample": "the site's and the grader's data",
    "full": "the real counts",
}
"""What each of :data:`~imaging_course.datasets.generation.SCALES` is for."""


def _scale_help() -> str:
    """Each scale's purpose, with what each dataset's stand-in holds at that scale."""
    parts = []
    for scale in SCALES:
        sizes = [
            f"{dataset.label} {dataset.sizes[scale]}"
            for dataset in DATASETS.values()
            if scale in dataset.sizes
        ]
        part = f"{scale}: {SCALE_PURPOSES[scale]}"
        parts.append(f"{part} ({'; '.join(sizes)})" if sizes else part)
    return "; ".join(parts)


def _layout_help() -> str:
    """Each dataset's layouts, the default first: ``siim: stage1 (default: ...) or ...``."""
    helps = []
    for dataset in DATASETS.values():
        if dataset.layouts:
            (default, *others) = dataset.layouts.items()
            described = [f"{default[0]} (default: {default[1]})"]
            described += [f"{layout} ({description})" for layout, description in others]
            helps.append(f"{dataset.name}: {' or '.join(described)}")
    return "; ".join(helps)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m imaging_course.datasets",
        epilog=(
            f"generate takes {'|'.join(DATASETS)} --scale {'|'.join(SCALES)} --out DIR, and "
            "--seed N, --quiet, --no-manifest; 'generate --help' explains each option."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generate = commands.add_parser(
        "generate",
        help="write a sample dataset (options: generate --help)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    generate.add_argument(
        "dataset",
        choices=tuple(DATASETS),
        help="; ".join(f"{dataset.name}: {dataset.summary}" for dataset in DATASETS.values()),
    )
    generate.add_argument("--scale", required=True, metavar="{" + ",".join(SCALES) + "}",
                          help=_scale_help())  # fmt: skip
    generate.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed, 0 or more; another seed gives other values",
    )
    generate.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder to write; must be new, empty, or an earlier run of this same command",
    )
    generate.add_argument(
        "--layout",
        choices=tuple(dict.fromkeys(name for d in DATASETS.values() for name in d.layouts)),
        help=_layout_help(),
    )
    generate.add_argument(
        "--quiet", action="store_true", help="no progress bar (none is shown off a terminal)"
    )
    generate.add_argument(
        "--no-manifest",
        action="store_true",
        help="leave out MANIFEST.json, the list of planted problems (for held-out copies)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; 0 on success, 2 for a problem the message names."""
    arguments = _parser().parse_args(argv)
    try:
        check_scale(arguments.scale)
        check_seed(arguments.seed)
        dataset = DATASETS[arguments.dataset]
        layout = {}
        if arguments.layout is not None:
            if not dataset.layouts:
                several = ", ".join(d.name for d in DATASETS.values() if d.layouts)
                raise GenerationError(f"--layout is for {several}: {dataset.name} has one layout")
            layout = {"layout": arguments.layout}
        dataset.generator_function()(
            arguments.out,
            scale=arguments.scale,
            seed=arguments.seed,
            progress=not arguments.quiet,
            manifest=not arguments.no_manifest,
            **layout,
        )
    except GenerationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
