"""Every DICOM attribute of a SIIM-ACR file, with its VR and value: the one place that knows.

The real files were converted by OFFIS DCMTK into JPEG Baseline Secondary Capture objects
with a small, fixed header (see the dataset card). Per-file values (UIDs, patient, view,
pixel spacing) come in a :class:`SiimFileHeader`; everything else is constant.
"""

import io
from dataclasses import dataclass

import pydicom
from pydicom import config
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import JPEGBaseline8Bit, SecondaryCaptureImageStorage

from imaging_course.datasets.siim.uids import SiimUids

IMAGE_SIZE = 1024
"""Rows and columns of every image, in pixels."""

IMPLEMENTATION_CLASS_UID = "1.2.276.0.7230010.3.0.3.6.0"
IMPLEMENTATION_VERSION_NAME = "OFFIS_DCMTK_360"
"""The file meta group names DCMTK 3.6.0 as the writer, as in the real files."""

CONSTANT_ATTRIBUTES: tuple[tuple[str, str, object], ...] = (
    ("SpecificCharacterSet", "CS", "ISO_IR 100"),
    ("SOPClassUID", "UI", SecondaryCaptureImageStorage),
    ("StudyDate", "DA", "19010101"),
    ("StudyTime", "TM", "000000.00"),
    ("AccessionNumber", "SH", ""),
    ("Modality", "CS", "CR"),
    ("ConversionType", "CS", "WSD"),
    ("ReferringPhysicianName", "PN", ""),
    ("PatientBirthDate", "DA", ""),
    ("BodyPartExamined", "CS", "CHEST"),
    ("StudyID", "SH", ""),
    ("SeriesNumber", "IS", "1"),
    ("InstanceNumber", "IS", "1"),
    ("PatientOrientation", "CS", ""),
    ("SamplesPerPixel", "US", 1),
    ("PhotometricInterpretation", "CS", "MONOCHROME2"),
    ("Rows", "US", IMAGE_SIZE),
    ("Columns", "US", IMAGE_SIZE),
    ("BitsAllocated", "US", 8),
    ("BitsStored", "US", 8),
    ("HighBit", "US", 7),
    ("PixelRepresentation", "US", 0),
    ("LossyImageCompression", "CS", "01"),
    ("LossyImageCompressionMethod", "CS", "ISO_10918_1"),
)
"""(keyword, VR, value) of the attributes that are the same in every file; ``""`` is present
but empty, as in the real files."""

PER_FILE_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("SOPInstanceUID", "UI"),
    ("SeriesDescription", "LO"),
    ("PatientName", "PN"),
    ("PatientID", "LO"),
    ("PatientSex", "CS"),
    ("PatientAge", "AS"),
    ("ViewPosition", "CS"),
    ("StudyInstanceUID", "UI"),
    ("SeriesInstanceUID", "UI"),
    ("PixelSpacing", "DS"),
    ("PixelData", "OB"),
)
"""(keyword, VR) of the attributes whose value differs from file to file."""

SIIM_HEADER_KEYWORDS: tuple[str, ...] = tuple(
    sorted(
        (keyword for keyword, *_ in CONSTANT_ATTRIBUTES + PER_FILE_ATTRIBUTES),
        key=pydicom.datadict.tag_for_keyword,
    )
)
"""The keywords of every data element each file carries (file meta group aside), in tag order."""


@dataclass(frozen=True)
class SiimFileHeader:
    """The per-file values of one SIIM-ACR file.

    ``age`` is in years and written as a bare integer string (``'38'``), as the real files
    do; ``view`` is ``PA`` or ``AP``; ``pixel_spacing`` is the 3-decimal millimetre string
    used for both rows and columns (``'0.168'``).
    """

    uids: SiimUids
    patient_id: str
    sex: str
    age: int
    view: str
    pixel_spacing: str


def siim_dataset(
    header: SiimFileHeader,
    pixel_data: bytes,
    omit: frozenset[str] = frozenset(),
    attributes: dict[str, object] | None = None,
    transfer_syntax: str = JPEGBaseline8Bit,
) -> Dataset:
    """The full DICOM data set (with file meta) of one file; keywords in ``omit`` are left out.

    ``pixel_data`` is the JPEG Baseline stream already wrapped by
    :func:`pydicom.encaps.encapsulate`, or native pixels for an uncompressed
    ``transfer_syntax``. ``omit`` plants a file missing a tag, ``attributes`` values of
    :data:`CONSTANT_ATTRIBUTES` written otherwise (a header variant).
    """
    encapsulated = pydicom.uid.UID(transfer_syntax).is_compressed
    constants = {keyword: value for keyword, _, value in CONSTANT_ATTRIBUTES} | (attributes or {})
    values = {
        "SOPInstanceUID": header.uids.sop,
        "SeriesDescription": f"view: {header.view}",
        "PatientName": header.patient_id,
        "PatientID": header.patient_id,
        "PatientSex": header.sex,
        "PatientAge": str(header.age),
        "ViewPosition": header.view,
        "StudyInstanceUID": header.uids.study,
        "SeriesInstanceUID": header.uids.series,
        "PixelSpacing": [header.pixel_spacing, header.pixel_spacing],
        "PixelData": pixel_data,
    }
    dataset = Dataset()
    elements = [(kw, vr, constants[kw]) for kw, vr, _ in CONSTANT_ATTRIBUTES]
    elements += [(kw, vr, values[kw]) for kw, vr in PER_FILE_ATTRIBUTES]
    if not encapsulated and int(constants["BitsAllocated"]) > 8:  # native words: OW
        elements = [(kw, "OW" if kw == "PixelData" else vr, v) for kw, vr, v in elements]
    for keyword, vr, value in elements:
        if keyword in omit:
            continue
        # A bare-integer age is not a valid AS value ('038Y' would be); the real files carry
        # it anyway, so write it without validation instead of letting pydicom warn per file.
        dataset.add(
            DataElement(
                keyword,
                vr,
                value,
                is_undefined_length=keyword == "PixelData" and encapsulated,
                validation_mode=config.IGNORE,
            )
        )
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = header.uids.sop
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    dataset.file_meta = meta
    return dataset


def dicom_file_bytes(dataset: Dataset) -> bytes:
    """The Part 10 file of ``dataset``: 128-byte preamble, ``DICM``, file meta, then the data."""
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, dataset, enforce_file_format=True)
    return buffer.getvalue()
