"""`bibsync sync`: make a Zotero group library match the listing.

The layers, from pure to I/O:

- :mod:`~bibsync.zotero.items`: a listing entry (enriched or not) as a Zotero item, validation against the
  schema, and what the server does to an item whose type changes.
- :mod:`~bibsync.zotero.plan`: listing items + remote items -> create / update / unchanged / conflict,
  matching by citation key, then DOI / arXiv id, then title.
- :mod:`~bibsync.zotero.client`: the HTTP edge (retries, backoff, write tokens, preconditions).
- :mod:`~bibsync.zotero.cache`: the local SQLite copy of the remote library and its version.
- :mod:`~bibsync.zotero.sync`: read what changed, plan, write in batches, and converge.
"""
