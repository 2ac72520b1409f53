"""Sample datasets: generators of faithful stand-ins for SIIM-ACR and LiTS, and their readers.

:mod:`.registry` lists every dataset and what serves it, and everything outside a dataset's
own package reads that list. Each dataset has a package (``siim/``, ``lits/``) in which one
module knows its layout (``siim.layout``, ``lits.layout``): the generators write what those
readers read, and the same readers read the real Kaggle downloads. What the generators share
is in :mod:`.generation` (scales, the folder's life cycle, the manifest), :mod:`.stamp` (the
``.complete`` stamp of a finished folder) and :mod:`.atomic` (atomic writes); :mod:`.cli` is
the command behind `make data`, and :mod:`.paths` says where the checkout and its data are.
"""
