import sys

from caseload_app.cli import main

sys.exit(main())
