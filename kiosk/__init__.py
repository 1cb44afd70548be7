"""Kiosk room: the citizen's touch kiosk at ``/kiosk`` (take a number, priority step, ticket
on screen with a QR code, the public list of procedures); ``kiosk.printing`` prints tickets,
``kiosk.printers`` routes them to each kiosk's printer, ``kiosk.print_worker`` runs the server's
print loops and ``kiosk.agent`` is the print agent
that runs on a kiosk PC."""


def __getattr__(name: str):
    """The blueprint ``bp`` with its routes, made on first use: the print agent imports this package
    on a kiosk PC that has no Flask."""
    if name == "bp":
        from . import agent_link, print_routes, print_worker, routes  # noqa: F401 - they register themselves
        from .blueprint import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
