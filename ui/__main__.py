"""`python -m ui`: the same as `guidedesk`."""

import sys

from ui.app import main

sys.exit(main())
