"""PyInstaller entry script (it needs a file, not a module path)."""

from mes_workstation.__main__ import main

raise SystemExit(main())
