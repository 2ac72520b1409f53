"""Write an uncompressed NIfTI-1 file slab by slab, atomically.

``nibabel.save`` wants the whole array in memory: 512 x 512 x 987 int16 is 517 MB, and the
generator must stay under 1 GB. An uncompressed ``.nii`` is a 348-byte header, 4 bytes of
"no extensions", then the voxels with the first axis fastest (Fortran order), so slabs of
whole slices can be appended one after another. The header itself comes from nibabel, so
every reader sees a file nibabel would have written.
"""

from pathlib import Path
from types import TracebackType

import nibabel as nib
import numpy as np

from imaging_course.datasets.atomic import open_temporary
from imaging_course.datasets.lits.storage import Storage

VOX_OFFSET = 352
"""Bytes before the first voxel: the 348-byte header and the 4-byte extension flag."""


def nifti1_header_bytes(shape: tuple[int, int, int], storage: Storage, affine: np.ndarray) -> bytes:
    """The first :data:`VOX_OFFSET` bytes of a ``.nii`` holding ``shape`` voxels stored as
    ``storage`` says (little-endian dtype, ``scl_slope``/``scl_inter``), placed by ``affine``
    (voxel to RAS+ mm), as scanner-converted files carry it: qform and sform both set (code 1,
    scanner), units mm and s."""
    header = nib.Nifti1Header()
    header.set_data_shape(shape)
    header.set_data_dtype(np.dtype(storage.dtype).newbyteorder("<"))
    if storage.scaled:
        header.set_slope_inter(storage.slope, storage.inter)
    header.set_qform(affine, code=1)
    header.set_sform(affine, code=1)
    header.set_xyzt_units("mm", "sec")
    header["vox_offset"] = VOX_OFFSET
    return header.binaryblock + b"\x00" * (VOX_OFFSET - len(header.binaryblock))


class NiftiSlabWriter:
    """A context manager writing ``path`` from consecutive slabs of whole slices.

    The bytes go to a temporary file beside ``path`` (mode 0644, as every dataset file: see
    :func:`~imaging_course.datasets.atomic.open_temporary`) and are renamed onto it only when all
    ``shape[2]`` slices arrived and the block exits cleanly, so ``path`` never holds a
    partial volume. Each slab is an array of shape ``(shape[0], shape[1], k)`` of the values
    (HU or labels); ``storage`` turns them into the stored numbers.
    """

    def __init__(
        self, path: Path, shape: tuple[int, int, int], storage: Storage, affine: np.ndarray
    ):
        self.path = Path(path)
        self.shape = tuple(int(n) for n in shape)
        self.storage = storage
        self.dtype = np.dtype(storage.dtype).newbyteorder("<")
        self.affine = affine
        self._slices_written = 0

    def __enter__(self) -> "NiftiSlabWriter":
        self._handle, self._tmp = open_temporary(self.path)
        self._handle.write(nifti1_header_bytes(self.shape, self.storage, self.affine))
        return self

    def write(self, slab: np.ndarray) -> None:
        """Append the next ``slab`` of slices (values the storage must hold exactly)."""
        if slab.shape[:2] != self.shape[:2] or slab.ndim != 3:
            raise ValueError(f"{self.path}: slab of shape {slab.shape} for a {self.shape} volume")
        stored = self.storage.stored(slab)
        self._handle.write(stored.astype(self.dtype, copy=False).tobytes(order="F"))
        self._slices_written += slab.shape[2]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._handle.close()
        if exc_type is None and self._slices_written != self.shape[2]:
            self._tmp.unlink(missing_ok=True)
            raise ValueError(
                f"{self.path}: {self._slices_written} slices written, {self.shape[2]} expected"
            )
        if exc_type is None:
            self._tmp.replace(self.path)
        else:
            self._tmp.unlink(missing_ok=True)
