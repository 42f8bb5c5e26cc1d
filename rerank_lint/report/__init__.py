"""A picture of one dataset for review: the figures (`data`), HTML with plots (`html`, `svg`),
a Markdown summary for a pull request comment (`markdown`)."""
