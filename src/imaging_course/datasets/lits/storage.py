"""How a LiTS file stores its values on disk: the data type and NIfTI's linear scaling.

The real volumes hold integer HU but are stored variously: int16, float32, or integers with a
``scl_slope``/``scl_inter`` pair (value = slope x stored + inter), and some segmentations are
float. A reader that takes the stored numbers for HU, or assumes one dtype, misreads them;
nibabel's ``img.dataobj`` applies the scaling. The stand-in writes all of these.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Storage:
    """The on-disk ``dtype`` (a NumPy name, little-endian) and the scaling a reader applies:
    value = ``slope`` x stored + ``inter``."""

    dtype: str
    slope: float = 1.0
    inter: float = 0.0

    @property
    def scaled(self) -> bool:
        """Whether the header carries a scaling other than the identity."""
        return (self.slope, self.inter) != (1.0, 0.0)

    @property
    def itemsize(self) -> int:
        """Bytes per voxel on disk."""
        return np.dtype(self.dtype).itemsize

    def stored(self, values: np.ndarray) -> np.ndarray:
        """The stored numbers of ``values`` (integers, such as HU or labels), exact: the
        inverse of the scaling, checked to fit the dtype."""
        if not self.scaled:
            return values.astype(self.dtype, copy=False)
        stored = (values.astype(np.float64) - self.inter) / self.slope
        info = np.iinfo(self.dtype)
        if stored.min() < info.min or stored.max() > info.max:
            raise ValueError(f"{self} cannot store values from {values.min()} to {values.max()}")
        return stored.astype(self.dtype)

    def describe(self) -> str:
        """The storage as the manifest and card say it: ``'float32'``, ``'int16, scl_slope 0.5,
        scl_inter -1024'``."""
        if not self.scaled:
            return self.dtype
        return f"{self.dtype}, scl_slope {self.slope:g}, scl_inter {self.inter:g}"


INT16 = Storage("int16")
"""Plain integer HU: what most real volumes hold."""

SCALED_INT16 = Storage("int16", slope=0.5, inter=-1024.0)
"""HU = 0.5 x stored - 1024: every stored number is even, and the raw numbers are not HU."""

FLOAT32 = Storage("float32")
"""Integer HU (or labels 0.0, 1.0, 2.0) stored as 32-bit floats."""

UINT8 = Storage("uint8")
"""Labels 0, 1, 2 as bytes: what most real segmentations hold."""
