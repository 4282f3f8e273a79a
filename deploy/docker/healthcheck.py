"""Container HEALTHCHECK: GET http://127.0.0.1:$MES_PORT/health answers 200 (stdlib only)."""

import os
import sys
import urllib.request

url = f"http://127.0.0.1:{os.environ.get('MES_PORT', '8000')}/health"
try:
    with urllib.request.urlopen(url, timeout=2) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
