"""Reading corpus files into documents: which files are documents (``reading``),
encodings and formats (``formats``, ``html``, ``markdown``), web boilerplate
(``cleaning``), headings and sections (``structure``), passages (``chunking``),
and the whole of it for one file (``loader``)."""
