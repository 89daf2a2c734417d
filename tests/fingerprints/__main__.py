import sys

from tests.fingerprints import main

sys.exit(main())
