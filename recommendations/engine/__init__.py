"""The recommendation engine: a plain-Python library (numpy / scipy / scikit-learn / implicit).

It knows nothing of Django. Callers map their ids to contiguous indexes, pass arrays
(user index, item index, weight, timestamp) and get fitted models back. Modules:

- ``data``        interaction arrays -> scipy CSR user-item matrix, time decay
- ``base``        the common model interface (fit / score / recommend / similar_items / save / load)
- ``popularity``, ``itemknn``, ``rp3beta``, ``ease``, ``als``, ``content``, ``hybrid``: the models
- ``artifacts``   versioned, HMAC-signed, atomically written files, memory-mapped on load
- ``splits``, ``metrics``, ``evaluation``, ``tuning``: offline evaluation (docs/evaluation.md)

Importing this package is cheap: heavy libraries (scikit-learn, implicit) are imported inside the
functions that train, so web processes that only score start fast.
"""
