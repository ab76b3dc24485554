"""`python -m tui.cli`: the `llm-tui` command."""

from tui.cli.entry import main

raise SystemExit(main())
