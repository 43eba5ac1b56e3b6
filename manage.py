#!/usr/bin/env python
"""Django's command-line utility; the same as the `epiwatch` console script."""

from epiwatch.cli import main

if __name__ == "__main__":
    main()
