"""`python -m newscrawler`: the same as the `newscrawler` command."""
from newscrawler.reading.cli import main

raise SystemExit(main())
