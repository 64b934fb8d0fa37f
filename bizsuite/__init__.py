"""bizsuite — a terminal business suite for small companies."""

__version__ = "0.1.0"
