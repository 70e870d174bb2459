"""plainpolicy: privacy policies explained in plain language, offline, with verified citations."""
