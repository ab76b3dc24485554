"""Modal screens: help, corpus picker."""
