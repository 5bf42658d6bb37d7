"""Reading corpus files into documents: which files are documents and their
encodings (``reading``), one module per format behind a registry
(``formats``), metadata checks (``meta``), web boilerplate (``cleaning``),
Markdown as plain text (``markup``), headings and sections (``structure``),
passages (``chunking``), and the whole of it for one file (``loader``)."""
