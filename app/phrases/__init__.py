"""Phrase spotting: tenants' phrase lists (script phrases to say, banned phrases, signals to
count) and the matcher that finds them in transcript segments."""
