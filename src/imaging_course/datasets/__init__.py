"""Sample datasets: generators of faithful stand-ins for SIIM-ACR and LiTS, and their readers.

One module knows each layout (``siim.layout``, ``lits.layout``); the generators write what
those readers read, and the same readers read the real Kaggle downloads.
"""
