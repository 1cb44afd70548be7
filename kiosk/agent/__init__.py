"""Print agent room: a small program for the kiosk PC that prints the kiosk's tickets on a printer
attached to it (USB, serial, a device file or the LAN), for kiosks whose printer the server
cannot reach. Run ``python -m kiosk.agent --server URL --pair LINK --printer usb://...`` (or
``--config /etc/motcua-agent.conf``); ``scripts/install-agent.sh`` installs it as a service.

It needs only ``requirements-agent.txt`` (python-escpos, python-socketio client, requests):
never Flask or the database. Modules: ``agent`` (the connection and the print loop),
``journal`` (what was printed, and the answers still to send), ``__main__`` (the command).
"""
