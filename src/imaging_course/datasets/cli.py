"""``python -m imaging_course.datasets generate siim|lits --scale S --seed N --out DIR``.

The command behind `make data`. Problems the user can fix (a bad scale or seed, a folder that
is not ours, too little disk) end with exit status 2 and one line on stderr naming the problem.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from imaging_course.datasets.generation import SCALES, GenerationError, check_scale, check_seed

DESCRIPTION = """\
Generate a deterministic stand-in for a Kaggle dataset: the same seed and scale give
byte-identical files. A rerun with the same options does nothing; a rerun after an
interruption completes the folder. See docs/datasets/ for what each dataset holds."""

SCALE_HELP = (
    "tiny: a few dozen files in seconds (tests); sample: the site's and the grader's data "
    "(SIIM 340 files, about 48 MB; LiTS 8 cases, about 820 MB); full: the real counts "
    "(SIIM 12,089 files, about 1.7 GB; LiTS 131 cases, 53.7 GB for seed 0 and 46-60 GB for "
    "other seeds, where the real download is about 54 GB)"
)


def _generator(dataset: str) -> Callable[..., None]:
    """The dataset's ``generate_*`` function, imported only when asked for (each pulls in
    its own heavy libraries, and the two are written by different modules)."""
    if dataset == "siim":
        from imaging_course.datasets.siim.generate import generate_siim  # noqa: PLC0415

        return generate_siim
    from imaging_course.datasets.lits.generate import generate_lits  # noqa: PLC0415

    return generate_lits


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m imaging_course.datasets",
        epilog=(
            "generate takes siim|lits --scale tiny|sample|full --out DIR, and --seed N, "
            "--quiet, --no-manifest; 'generate --help' explains each option."
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
        choices=("siim", "lits"),
        help="siim: SIIM-ACR Pneumothorax DICOM radiographs; lits: LiTS NIfTI CT volumes",
    )
    generate.add_argument("--scale", required=True, metavar="{" + ",".join(SCALES) + "}",
                          help=SCALE_HELP)  # fmt: skip
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
        choices=("stage1", "stage2"),
        help="siim only: stage1 (default: nested train and test folders, train-rle.csv) or "
        "stage2 (also stage_2_images/ with new unlabelled test images; stage_2_train.csv "
        "labels stage 1's training and test images)",
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
        layout = {}
        if arguments.layout is not None:
            if arguments.dataset != "siim":
                raise GenerationError(f"--layout is for siim: {arguments.dataset} has one layout")
            layout = {"layout": arguments.layout}
        _generator(arguments.dataset)(
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
