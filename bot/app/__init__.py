"""What every front end of docbot needs, whatever it talks to (a terminal,
Telegram): today the interface texts per language (``texts``)."""
