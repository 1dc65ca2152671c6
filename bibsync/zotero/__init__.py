"""`bibsync sync`: make a Zotero group library match the listing.

The layers, from pure to I/O:

- :mod:`~bibsync.zotero.items`: a listing entry as a Zotero item, and validation against the schema.
- :mod:`~bibsync.zotero.plan`: listing items + remote items -> create / update / unchanged / conflict.
- :mod:`~bibsync.zotero.client`: the HTTP edge (retries, backoff, write tokens, preconditions).
- :mod:`~bibsync.zotero.cache`: the local SQLite copy of the remote library and its version.
- :mod:`~bibsync.zotero.sync`: read what changed, plan, write in batches, and converge.
"""
