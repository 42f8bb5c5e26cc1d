"""RL2xx: what is left in the texts from scraping and encoding (links, markup, characters, whitespace)."""
