"""`python -m nianbao` runs the command-line tool."""

import sys

from nianbao.cli import main

sys.exit(main())
