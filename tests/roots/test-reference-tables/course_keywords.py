"""A small keyword list standing in for imaging_course.datasets.siim.header."""

KEYWORDS = ("SOPInstanceUID", "PatientSex", "PatientAge", "ViewPosition", "PixelSpacing")
