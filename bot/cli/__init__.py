"""The terminal front end: the ``docbot`` commands (``commands``), the
interactive session (``interactive``) and how answers look there (``render``)."""
