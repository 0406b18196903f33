#!/usr/bin/env python
"""Django's own command line, for developers (`kinward` is the product's command)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinward.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
