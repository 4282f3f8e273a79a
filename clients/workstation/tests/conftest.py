"""Core tests of the workstation that need no MES (the e2e ones live in tests/e2e)."""

import os

# Before anything creates a QApplication: render without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
