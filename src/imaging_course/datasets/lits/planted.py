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

FLOAT_VOLUME = "float_volume"
"""A volume of integer HU stored as float32."""

SCALED_VOLUME = "scaled_volume"
"""A volume stored as integers with a ``scl_slope``/``scl_inter`` other than 1 and 0: the
stored numbers are not HU until scaled."""

FLOAT_SEGMENTATION = "float_segmentation"
"""A segmentation whose labels 0, 1, 2 are stored as float32."""

THIN_SLICES = "thin_slices"
"""A volume whose slices are under :data:`THIN_SLICE_MM` apart (the real range starts at 0.7)."""

THIN_SLICE_MM = 0.8

ISODENSE_TUMOURS = "isodense_tumours"
"""A case whose tumours are about as bright as its liver (within 5 HU)."""

HYPERDENSE_TUMOURS = "hyperdense_tumours"
"""A case whose tumours are brighter than its liver."""

TOUCHING_LESIONS = "touching_lesions"
"""A segmentation with two lesions that touch only at a voxel edge or corner, so that 6- and
26-connectivity count different numbers of lesions."""
