"""The reference EDA of LiTS as Dask tasks per case equals the single-process run.

The sample (every kind of file it holds: float and scaled volumes, NaN voxels, files left
out) is analysed by the solution's four functions in this process, then per case on a local
Dask cluster of two workers; tables, histograms (integer counts, summed exactly), summary and
the warnings naming left-out voxels and cases must be the same.
"""

import warnings

import pandas as pd
from distributed import Client, LocalCluster

from imaging_course.course_modules import load_course_module
from imaging_course.grader.course.lits_cluster import CALLS, lits_eda_on_cluster


def _recorded(function, *arguments):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = function(*arguments)
    return value, sorted({str(warning.message) for warning in caught})


def test_the_lits_eda_per_case_on_a_cluster_equals_one_process(sample_data):
    root = sample_data["lits"]
    solution = load_course_module("lits_eda")
    single, single_warnings = {}, set()
    for name in CALLS:
        single[name], caught = _recorded(getattr(solution, name), root)
        single_warnings.update(caught)

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        on_cluster, cluster_warnings = _recorded(lits_eda_on_cluster, client, root)

    assert sorted(on_cluster) == sorted(CALLS)
    for name in ("volume_table", "case_statistics"):
        pd.testing.assert_frame_equal(on_cluster[name], single[name], check_exact=True)
    assert on_cluster["hu_histograms"] == single["hu_histograms"]
    assert sum(on_cluster["hu_histograms"]["liver"]) > 0
    assert on_cluster["dataset_summary"] == single["dataset_summary"]
    assert set(cluster_warnings) == single_warnings
