"""``bibsync check``: citations in LaTeX and Markdown sources against BibTeX and CSL-JSON bibliographies.

* :mod:`.citations`: pure scanners, source text -> cited keys with line and column.
* :mod:`.bibliography`: fast readers, ``.bib`` / CSL-JSON text -> keys, types, fields, positions.
* :mod:`.findings`: the analysis, pure: scans and bibliographies -> sorted findings.
* :mod:`.settings`: ``[tool.bibsync.check]``, validated.
* :mod:`.run`: the I/O around it (files, git, the export for staleness).

Nothing here imports the Zotero/HTTP stack; the export stack is imported only for the staleness check.
"""
