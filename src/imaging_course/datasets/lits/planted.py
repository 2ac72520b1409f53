"""The properties planted on purpose in the LiTS stand-in, as the real data has such cases.

Each kind is listed, with its file and a detail, in ``MANIFEST.json`` and counted on the
dataset card; the EDA exercise teaches to find them by reading the files.
"""

AFFINE_MISMATCH = "affine_mismatch"
"""A segmentation whose affine differs from its volume's, the arrays aligned (cases 48-52)."""

EXTREME_RANGE = "extreme_range"
"""A volume with the real data's most extreme values (a metal artefact)."""

TUMOUR_FREE = "tumour_free"
"""A segmentation with labels 0 and 1 only."""
