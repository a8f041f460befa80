"""`make chaos`: faults injected into a running installation of the platform's own services
(see __main__.py)."""
