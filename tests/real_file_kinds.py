"""Kinds of real files that archives hold besides a dataset's own, written here with pydicom
and nibabel: the readers, surveys and reference solutions are tested on them.

DICOM: valid images in the rarer encodings (big-endian explicit VR, deflated), files whose VR
encoding is not the one their transfer syntax declares, objects that hold no image (a
structured report, a presentation state, an RT structure set), native pixel data cut short,
and JPEG pixel data that cannot be decoded. NIfTI: 4-D volumes (one frame, several frames),
volumes with NaN voxels, NIfTI-2 and CIFTI-2 files. A plugin of ``conftest.py``: the fixtures
write them in a SIIM and a LiTS folder, each builder says what a reader must make of its file.
"""

from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from nibabel import cifti2
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import (
    BasicTextSRStorage,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    GrayscaleSoftcopyPresentationStateStorage,
    ImplicitVRLittleEndian,
    JPEGBaseline8Bit,
    RTStructureSetStorage,
    SecondaryCaptureImageStorage,
)

SIIM_ROOT_UID = "1.2.276.0.7230010.3.1"


@dataclass(frozen=True)
class DicomKind:
    """One written DICOM file: where, and the pixels a reader must find (``None``: the file
    holds no image, or no complete one)."""

    path: Path
    pixels: np.ndarray | None


def _uids(number: int) -> tuple[str, str, str]:
    """Study, series and SOP UIDs in the SIIM pattern (minus one and minus two)."""
    last = 100_000 + number

    def uid(kind: int, tail: int) -> str:
        return f"{SIIM_ROOT_UID}.{kind}.8323329.{number}.1517875000.{tail}"

    return uid(2, last - 1), uid(3, last - 2), uid(4, last)


def _base(number: int, sop_class: str, syntax: str) -> Dataset:
    study, series, sop = _uids(number)
    dataset = Dataset()
    dataset.SOPClassUID = sop_class
    dataset.SOPInstanceUID = sop
    dataset.StudyInstanceUID = study
    dataset.SeriesInstanceUID = series
    dataset.Modality = "CR" if sop_class == SecondaryCaptureImageStorage else "OT"
    dataset.PatientID = dataset.PatientName = f"patient-{number}"
    dataset.PatientSex = "F"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = syntax
    dataset.file_meta = meta
    return dataset


def _image(number: int, syntax: str, pixels: np.ndarray) -> Dataset:
    """A chest radiograph's header (the keywords the SIIM scans read) over ``pixels``."""
    dataset = _base(number, SecondaryCaptureImageStorage, syntax)
    dataset.PatientAge = "061Y"
    dataset.ViewPosition = "AP"
    dataset.PixelSpacing = ["0.143", "0.143"]
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = "MONOCHROME2"
    bits = pixels.dtype.itemsize * 8
    dataset.BitsAllocated = dataset.BitsStored = bits
    dataset.HighBit = bits - 1
    dataset.PixelRepresentation = 0
    return dataset


def _write(dataset: Dataset, path: Path, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if options:  # an encoding other than the transfer syntax's: no file-format enforcement
        dataset.preamble = b"\x00" * 128
        pydicom.dcmwrite(path, dataset, force_encoding=True, **options)
    else:
        pydicom.dcmwrite(path, dataset, enforce_file_format=True)
    return path


def _picture(shape: tuple[int, int], dtype, number: int) -> np.ndarray:
    rng = np.random.default_rng(number)
    high = 4000 if np.dtype(dtype).itemsize == 2 else 255
    return rng.integers(0, high, size=shape).astype(dtype)


def big_endian_image(path: Path, number: int = 1) -> DicomKind:
    """A valid 16-bit image in Explicit VR Big Endian: the pixels swap bytes on reading."""
    pixels = _picture((32, 48), np.uint16, number)
    dataset = _image(number, ExplicitVRBigEndian, pixels)
    dataset.PixelData = pixels.astype(">u2").tobytes()
    return DicomKind(_write(dataset, path), pixels)


def deflated_image(path: Path, number: int = 2) -> DicomKind:
    """A valid 8-bit image in Deflated Explicit VR Little Endian (zlib after the file meta)."""
    pixels = _picture((40, 40), np.uint8, number)
    dataset = _image(number, DeflatedExplicitVRLittleEndian, pixels)
    dataset.PixelData = pixels.tobytes()
    return DicomKind(_write(dataset, path), pixels)


def implicit_declared_explicit(path: Path, number: int = 3) -> DicomKind:
    """The file meta says Explicit VR Little Endian; the data set is written implicit VR."""
    pixels = _picture((24, 40), np.uint8, number)
    dataset = _image(number, ExplicitVRLittleEndian, pixels)
    dataset.PixelData = pixels.tobytes()
    return DicomKind(_write(dataset, path, implicit_vr=True, little_endian=True), pixels)


def explicit_declared_implicit(path: Path, number: int = 4) -> DicomKind:
    """The file meta says Implicit VR Little Endian; the data set is written explicit VR."""
    pixels = _picture((24, 40), np.uint16, number)
    dataset = _image(number, ImplicitVRLittleEndian, pixels)
    dataset.PixelData = pixels.tobytes()
    return DicomKind(_write(dataset, path, implicit_vr=False, little_endian=True), pixels)


def structured_report(path: Path, number: int = 5) -> DicomKind:
    """A Basic Text SR: a report's text in a content tree, no pixel data."""
    dataset = _base(number, BasicTextSRStorage, ExplicitVRLittleEndian)
    dataset.Modality = "SR"
    dataset.ValueType = "CONTAINER"
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "TEXT"
    item.TextValue = "Small apical pneumothorax on the right."
    dataset.ContentSequence = Sequence([item])
    return DicomKind(_write(dataset, path), None)


def presentation_state(path: Path, number: int = 6) -> DicomKind:
    """A Grayscale Softcopy Presentation State: how to show another image, no pixels."""
    dataset = _base(number, GrayscaleSoftcopyPresentationStateStorage, ExplicitVRLittleEndian)
    dataset.Modality = "PR"
    dataset.ContentLabel = "WINDOW"
    dataset.PresentationLUTShape = "IDENTITY"
    return DicomKind(_write(dataset, path), None)


def rt_structure_set(path: Path, number: int = 7) -> DicomKind:
    """An RT Structure Set: contours of organs as points, no pixels."""
    dataset = _base(number, RTStructureSetStorage, ImplicitVRLittleEndian)
    dataset.Modality = "RTSTRUCT"
    dataset.StructureSetLabel = "LUNGS"
    roi = Dataset()
    roi.ROINumber = 1
    roi.ROIName = "Lung_R"
    dataset.StructureSetROISequence = Sequence([roi])
    return DicomKind(_write(dataset, path), None)


def native_cut_short(path: Path, number: int = 8) -> DicomKind:
    """An uncompressed image whose file ends halfway through its Pixel Data value."""
    pixels = _picture((64, 64), np.uint8, number)
    dataset = _image(number, ExplicitVRLittleEndian, pixels)
    dataset.PixelData = pixels.tobytes()
    _write(dataset, path)
    path.write_bytes(path.read_bytes()[: -pixels.size // 2])
    return DicomKind(path, None)


def undecodable_jpeg(path: Path, number: int = 9) -> DicomKind:
    """A JPEG Baseline image whose complete, well-framed fragment holds no JPEG stream."""
    pixels = _picture((32, 32), np.uint8, number)
    dataset = _image(number, JPEGBaseline8Bit, pixels)
    garbage = np.random.default_rng(number).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    dataset.PixelData = encapsulate([b"\xff\xd8" + garbage])  # a start marker, then noise
    dataset["PixelData"].VR = "OB"
    dataset.LossyImageCompression = "01"
    return DicomKind(_write(dataset, path), None)


DICOM_KINDS = {
    "big_endian": big_endian_image,
    "deflated": deflated_image,
    "implicit_declared_explicit": implicit_declared_explicit,
    "explicit_declared_implicit": explicit_declared_implicit,
    "structured_report": structured_report,
    "presentation_state": presentation_state,
    "rt_structure_set": rt_structure_set,
    "native_cut_short": native_cut_short,
    "undecodable_jpeg": undecodable_jpeg,
}
"""Every DICOM builder by kind name."""


NOT_IMAGES = ("structured_report", "presentation_state", "rt_structure_set")
VALID_IMAGES = (
    "big_endian",
    "deflated",
    "implicit_declared_explicit",
    "explicit_declared_implicit",
)


@dataclass(frozen=True)
class SiimKinds:
    """A SIIM stage-1 folder holding one file of every DICOM kind, each with a ``-1`` row in
    ``train-rle.csv``; ``valid_images`` and ``not_images`` name the kinds of each group."""

    root: Path
    files: dict[str, DicomKind]
    valid_images: tuple[str, ...] = VALID_IMAGES
    not_images: tuple[str, ...] = NOT_IMAGES


def _siim_path(root: Path, number: int) -> Path:
    study, series, sop = _uids(number)
    return root / "dicom-images-train" / study / series / f"{sop}.dcm"


@pytest.fixture(scope="session")
def siim_kinds(tmp_path_factory) -> SiimKinds:
    """Every DICOM kind of :data:`DICOM_KINDS` in a SIIM folder (written once per session:
    copy it before changing it)."""
    root = tmp_path_factory.mktemp("real-kinds") / "siim"
    files = {
        name: build(_siim_path(root, number), number)
        for number, (name, build) in enumerate(DICOM_KINDS.items(), start=1)
    }
    (root / "dicom-images-test").mkdir()
    rows = "".join(f"{kind.path.stem}, -1\n" for kind in files.values())
    (root / "train-rle.csv").write_text(f"ImageId, EncodedPixels\n{rows}", encoding="utf-8")
    return SiimKinds(root, files)


@dataclass(frozen=True)
class LitsKind:
    """One written case: its number, and the HU and labels a reader must find (``None``: it
    cannot, and the case must be left out for the ``reason`` given)."""

    case_id: int
    hu: np.ndarray | None
    labels: np.ndarray | None
    reason: str | None = None


SHAPE = (10, 8, 40)
AFFINE = np.diag([-0.8, -0.8, 2.5, 1.0])


def _case_arrays(case_id: int) -> tuple[np.ndarray, np.ndarray]:
    """A little CT (integer HU) and its labels: a liver block with a tumour in it."""
    rng = np.random.default_rng(case_id)
    labels = np.zeros(SHAPE, dtype=np.uint8)
    labels[2:8, 2:7, 5:35] = 1
    labels[4:6, 3:5, 10:30] = 2
    hu = rng.integers(-1024, -900, SHAPE).astype(np.int16)
    hu[labels == 1] = rng.integers(90, 130, int((labels == 1).sum()))
    hu[labels == 2] = rng.integers(40, 70, int((labels == 2).sum()))
    return hu, labels


def _save(image, root: Path, folder: str, name: str) -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    nib.save(image, root / folder / name)


def _write_case(root: Path, case_id: int, volume, labels: np.ndarray) -> None:
    _save(volume, root, "volume_pt1", f"volume-{case_id}.nii")
    _save(nib.Nifti1Image(labels, AFFINE), root, "segmentations", f"segmentation-{case_id}.nii")


def plain_case(root: Path, case_id: int) -> LitsKind:
    """An ordinary case: int16 HU, uint8 labels (the control)."""
    hu, labels = _case_arrays(case_id)
    _write_case(root, case_id, nib.Nifti1Image(hu, AFFINE), labels)
    return LitsKind(case_id, hu, labels)


def one_frame_4d(root: Path, case_id: int) -> LitsKind:
    """A volume of shape (x, y, z, 1), as some converters write: one CT volume."""
    hu, labels = _case_arrays(case_id)
    _write_case(root, case_id, nib.Nifti1Image(hu[..., None], AFFINE), labels)
    return LitsKind(case_id, hu, labels)


def frames_4d(root: Path, case_id: int) -> LitsKind:
    """A volume of three frames (x, y, z, 3), say three contrast phases: which one the labels
    belong to, the file does not say."""
    hu, labels = _case_arrays(case_id)
    _write_case(root, case_id, nib.Nifti1Image(np.stack([hu] * 3, axis=-1), AFFINE), labels)
    return LitsKind(case_id, None, None, "4-D with 3 frames")


def nan_voxels(root: Path, case_id: int) -> LitsKind:
    """A float32 volume with NaN in some voxels of the background, the liver and the tumour."""
    hu, labels = _case_arrays(case_id)
    stored = hu.astype(np.float32)
    for label in (0, 1, 2):
        first_three = tuple(axis[:3] for axis in np.nonzero(labels == label))
        stored[first_three] = np.nan
    _write_case(root, case_id, nib.Nifti1Image(stored, AFFINE), labels)
    return LitsKind(case_id, stored, labels)


def nifti2_volume(root: Path, case_id: int) -> LitsKind:
    """A 3-D volume in a NIfTI-2 file: LiTS volumes are NIfTI-1."""
    hu, labels = _case_arrays(case_id)
    _write_case(root, case_id, nib.Nifti2Image(hu, AFFINE), labels)
    return LitsKind(case_id, None, None, "a NIfTI-2 file")


def cifti_volume(root: Path, case_id: int) -> LitsKind:
    """A CIFTI-2 dense scalar file (brain-model data, no volume) under a volume's name."""
    model = cifti2.BrainModelAxis.from_mask(np.ones((2, 2, 2), dtype=bool), affine=np.eye(4))
    header = cifti2.Cifti2Header.from_axes((cifti2.ScalarAxis(["thickness"]), model))
    image = cifti2.Cifti2Image(np.zeros((1, 8), dtype=np.float32), header)
    image.nifti_header.set_intent("ConnDenseScalar")
    _, labels = _case_arrays(case_id)
    _write_case(root, case_id, image, labels)
    return LitsKind(case_id, None, None, "a CIFTI-2 file")


def float_labels_outside_0_1_2(root: Path, case_id: int) -> LitsKind:
    """Float labels with a 1.5 among them: not a LiTS label."""
    hu, labels = _case_arrays(case_id)
    stored = labels.astype(np.float32)
    stored[5, 4, 20] = 1.5
    _save(nib.Nifti1Image(hu, AFFINE), root, "volume_pt1", f"volume-{case_id}.nii")
    _save(nib.Nifti1Image(stored, AFFINE), root, "segmentations", f"segmentation-{case_id}.nii")
    return LitsKind(case_id, hu, None, "label 1.5 is not 0, 1 or 2")


LEFT_OUT_BY_THE_HEADERS = ("frames_4d", "nifti2", "cifti")
"""Kinds whose headers show they are no case: :func:`find_lits_cases` leaves them out."""

NIFTI_KINDS = {
    "plain": plain_case,
    "one_frame_4d": one_frame_4d,
    "frames_4d": frames_4d,
    "nan_voxels": nan_voxels,
    "nifti2": nifti2_volume,
    "cifti": cifti_volume,
    "float_labels_outside_0_1_2": float_labels_outside_0_1_2,
}
"""Every NIfTI builder by kind name; each writes one case."""


@dataclass(frozen=True)
class LitsKinds:
    """A LiTS folder holding one case of every NIfTI kind; ``left_out_by_the_headers`` names
    the kinds whose headers show they are no case."""

    root: Path
    cases: dict[str, LitsKind]
    left_out_by_the_headers: tuple[str, ...] = LEFT_OUT_BY_THE_HEADERS


@pytest.fixture(scope="session")
def lits_kinds(tmp_path_factory) -> LitsKinds:
    """Every NIfTI kind of :data:`NIFTI_KINDS` as a case of a LiTS folder (written once per
    session: copy it before changing it)."""
    root = tmp_path_factory.mktemp("real-kinds") / "lits"
    cases = {
        name: build(root, case_id) for case_id, (name, build) in enumerate(NIFTI_KINDS.items())
    }
    return LitsKinds(root, cases)
