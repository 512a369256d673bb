"""`python -m infra.cli`."""

import sys

from infra.cli.main import main

sys.exit(main())
