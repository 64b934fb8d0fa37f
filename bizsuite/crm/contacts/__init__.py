"""Contacts: companies and people, the record every other module points at."""
