"""The kernel, below the domain apps: scoping and permissions, generic views and API bases,
pagination, throttling, renderers, live events, and the one way a service records a write.
It imports no domain app (``tests/test_architecture.py`` checks); an app that must react to
the kernel plugs into its hooks instead."""
