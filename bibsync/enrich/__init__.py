"""``bibsync enrich``: full author lists, arXiv ids, DOIs and venues from public bibliographic services.

The stages, one module each: :mod:`~bibsync.enrich.candidate` (the types every stage shares),
:mod:`~bibsync.enrich.services` (per service: build a request, parse its answer; pure),
:mod:`~bibsync.enrich.match` (is a candidate convincingly the listing's paper; pure),
:mod:`~bibsync.enrich.store` (the committed ``bibsync.enrich.json``; pure text in and out),
:mod:`~bibsync.enrich.apply` (records -> enriched entries; pure) and :mod:`~bibsync.enrich.fetch`
(the HTTP side: polite rates, Retry-After, bounded concurrency).
"""
