# toy_eda: leaves the interpreter while being imported
import sys

sys.exit("no grading for you")
