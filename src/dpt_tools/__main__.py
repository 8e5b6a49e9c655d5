"""``python -m dpt_tools``: the ``dpt`` command (see :mod:`dpt_tools.entry`)."""

from dpt_tools.entry import main

main()
