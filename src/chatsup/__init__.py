"""chatsup: a terminal supervisor console for a website live chat, and its server."""

__version__ = "0.1.0"
