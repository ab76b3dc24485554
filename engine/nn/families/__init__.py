"""The open decoder families llm-tui runs, one module each, and the registry that picks one for a
`config.json` (`engine.nn.families.registry`). A family module says only what is special about it;
the parts live in `engine.nn` (`decoder`, `gqa`, `rope`, `rmsnorm`, `swiglu`)."""
