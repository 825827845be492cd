"""`python -m newscrawler`: the same as the `newscrawler` command."""
from newscrawler.cli import main

raise SystemExit(main())
