"""scan_dicom_headers reading every file without catching the unreadable ones."""

from pathlib import Path

import pandas as pd
from siim_eda_base import *  # noqa: F403  (every other function as in the solution)
from siim_eda_base import (
    SPLITS,
    TABLE_COLUMNS,
    _bare_age_warnings_silenced,
    _header_row,
    _read_header,
    find_siim_images,
    siim_image_id,
)


def scan_dicom_headers(root):
    root = Path(root)
    rows = []
    with _bare_age_warnings_silenced():
        for split in SPLITS:
            for path in find_siim_images(root, split=split):
                dataset = _read_header(path)  # MISTAKE: no try/except, one bad file stops all
                rows.append(_header_row(dataset, siim_image_id(path), split))
    return {"table": pd.DataFrame(rows, columns=list(TABLE_COLUMNS)), "unreadable": []}
