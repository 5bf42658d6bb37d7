"""What every front end needs, whatever it talks to: settings (``config``),
the bot's state behind one interface (``state``), evaluation and reports
(``evaluate``, ``report``), watching the corpus (``watch``), secrets kept out
of logs (``logsafety``) and the interface texts per language (``texts``)."""
