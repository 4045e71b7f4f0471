"""``python -m market``: the ``talent-market`` command (:func:`market.cli.main`)."""

from market.cli import main

if __name__ == "__main__":
    main()
