"""The app's own words (messages, help, footer keys, dialog titles) in each language it speaks."""
