"""The Medical Imaging course: site extensions, sample datasets and the EDA grader."""
