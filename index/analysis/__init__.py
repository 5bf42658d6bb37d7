"""Text analysis, pure functions: words, stems and index terms (``analyzer``),
compounds, fuzzy keys and term hashes (``compounds``, ``fuzzy``, ``keys``), and
what a question is and wants (``question``, ``answertype``, ``followup``).  What
differs between languages is data in ``docbot.index.languages``."""
