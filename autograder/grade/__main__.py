import sys

from autograder.grade.cli import main

sys.exit(main())
