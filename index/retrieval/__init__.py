"""Answering from the index: BM25 over postings (``bm25``, ``postings``,
``lexical``), the semantic layer (``semantic``, with its reference sentences
in ``reference``), fusing and ordering (``ranking``), choosing the sentences to
show (``quoting``) and the whole of a question (``search.Searcher``)."""
