import sys

from packwarden.cli.main import main

sys.exit(main())
