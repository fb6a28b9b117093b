"""The frozen app's entry point: the same command line as the installed `caseload`."""

import sys

from caseload_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
