"""Build the public site from data/: validate, render, write. Nothing is written when the data has errors."""

import sys
from pathlib import Path

from nianbao.website.build import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parent))
