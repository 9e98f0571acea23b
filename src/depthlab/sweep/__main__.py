"""``python -m depthlab.sweep``: the sweep commands on their own (same as ``depthlab sweep``)."""

from depthlab.sweep.cli import main

if __name__ == "__main__":
    main()
