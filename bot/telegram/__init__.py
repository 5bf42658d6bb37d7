"""The Telegram front end (python-telegram-bot): the application and its
handlers, message formatting, delivery within Telegram's limits, document
uploads, webhooks and the settings read from the environment."""
