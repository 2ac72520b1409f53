"""LiTS (Liver Tumor Segmentation) stand-in: NIfTI CT volumes with liver and tumour labels.

:func:`lits_root` is the folder the course reads: the stand-in, or a real download.

- :mod:`.layout` knows the Kaggle folder layout and pairs volumes with segmentations, leaving
  out files that are no CT volume; it reads the real download as well as the stand-in.
- :mod:`.cases` draws each case's parameters (shape, spacing, orientation, HU range, lesions,
  storage) from the seed, following the real per-case tables.
- :mod:`.phantom` paints a synthetic abdominal CT and its labels, a slab of slices at a time.
- :mod:`.storage` says how a file stores its values (dtype, ``scl_slope``/``scl_inter``).
- :mod:`.nifti_stream` writes an uncompressed NIfTI-1 file slab by slab, atomically.
- :mod:`.generate` puts them together: :func:`~.generate.generate_lits`.
- :mod:`.planted` names the properties planted on purpose; :mod:`.survey` counts them.
"""

from pathlib import Path

from imaging_course.datasets.registry import DATASETS


def lits_root() -> Path:
    """The LiTS folder the course reads: ``$LITS_DATA_DIR`` (a real download),
    else ``data/lits-sample`` in the checkout (the registry's
    :meth:`~imaging_course.datasets.registry.Dataset.root`)."""
    return DATASETS["lits"].root()
