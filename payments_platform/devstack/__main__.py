"""python -m payments_platform.devstack run -- CMD | status | clean | migrate"""

import sys

from payments_platform.devstack.commands import main

sys.exit(main())
