"""A test-only chat app that tests of real daphne processes drive (see ``actions.py``)."""
