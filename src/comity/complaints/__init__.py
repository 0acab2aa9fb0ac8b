"""After the request: complaints and their review, notice to the content provider,
legal holds and retention (issue 18, items 1, 3 and 4)."""
