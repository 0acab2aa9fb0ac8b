"""Cases, the item state machine, proposals, four-eyes review, safeguards and priority."""
