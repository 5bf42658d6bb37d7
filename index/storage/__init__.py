"""The index on disk: every SQL statement of the index (``store``: passages,
metadata, locks, generations) and the mapped array bundles (``arrays``)."""
