"""SIIM-ACR Pneumothorax: the stand-in generator and the readers of the real layout.

``layout`` finds images and reads the label CSV (stage-1 nested and stage-2 flat), ``rle``
decodes and encodes the competition's masks, ``header`` knows every DICOM attribute a file
carries, ``generate`` writes a deterministic stand-in with ``radiograph`` pictures, ``uids``
names and ``planted`` the problems planted on purpose.
"""
