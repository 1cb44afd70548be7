"""Print agent: the command line (``python -m kiosk.agent``) and its config file.

    python -m kiosk.agent --server http://192.168.1.10:5000 \\
        --pair http://192.168.1.10:5000/pair/<token> --printer usb://0x04b8:0x0202

or the same settings in a file (``--config /etc/motcua-agent.conf``), one ``key = value`` a line
under ``[agent]``: server, pair, printer, state_dir, timeout, poll, status_every, log_level.
Options given on the command line win over the file. The pairing link is the kiosk's own
(Quản trị > Thiết bị): the agent prints what that kiosk issues, and nothing else.
"""

from __future__ import annotations

import argparse
import configparser
import logging
import pathlib
import signal
import sys
from urllib.parse import urlsplit

DEFAULTS = {"state_dir": "/var/lib/motcua-agent", "timeout": "5", "poll": "2", "status_every": "15",
            "log_level": "INFO"}


def parse(argv=None) -> dict:
    """The settings from the command line and the config file; exits with a clear message if one is missing."""
    parser = argparse.ArgumentParser(prog="python -m kiosk.agent",
                                     description="motcua print agent: prints this kiosk's tickets on a local printer.")
    parser.add_argument("--config", help="file with [agent] key = value lines")
    parser.add_argument("--server", help="the motcua server, e.g. http://192.168.1.10:5000 (default: from --pair)")
    parser.add_argument("--pair", help="the kiosk's pairing link, http://.../pair/<token>")
    parser.add_argument("--printer", help="usb://0x04b8:0x0202, serial:///dev/ttyUSB0, file:///dev/usb/lp0, "
                                          "network://192.168.1.50:9100 or cups://queue")
    parser.add_argument("--state-dir", dest="state_dir", help=f"journal folder (default {DEFAULTS['state_dir']})")
    parser.add_argument("--timeout", help="seconds before a silent printer is given up (default 5)")
    parser.add_argument("--poll", help="seconds between checks while the socket is down (default 2)")
    parser.add_argument("--status-every", dest="status_every", help="seconds between printer state reports (default 15)")
    parser.add_argument("--log-level", dest="log_level", help="DEBUG, INFO, WARNING (default INFO)")
    args = parser.parse_args(argv)
    settings = dict(DEFAULTS)
    if args.config:
        config = configparser.ConfigParser()
        if not config.read(args.config, encoding="utf-8"):
            parser.error(f"cannot read the config file {args.config}")
        if config.has_section("agent"):
            settings.update({k.replace("-", "_"): v for k, v in config.items("agent")})
    settings.update({k: v for k, v in vars(args).items() if v is not None and k != "config"})
    pair = settings.get("pair") or ""
    parts = urlsplit(pair)
    if not pair or "/pair/" not in parts.path or not parts.path.rsplit("/pair/", 1)[1].strip("/"):
        parser.error("--pair needs the kiosk's pairing link, e.g. http://192.168.1.10:5000/pair/<token>")
    settings["token"] = parts.path.rsplit("/pair/", 1)[1].strip("/")
    if not settings.get("server"):
        settings["server"] = f"{parts.scheme}://{parts.netloc}"
    if not settings.get("printer"):
        parser.error("--printer is required, e.g. usb://0x04b8:0x0202 or file:///dev/usb/lp0")
    try:
        for key in ("timeout", "poll", "status_every"):
            settings[key] = float(settings[key])
            if settings[key] <= 0:
                raise ValueError(f"{key} must be positive")
    except ValueError as exc:
        parser.error(str(exc))
    return settings


def main(argv=None) -> int:
    """Run the agent until SIGTERM/SIGINT."""
    settings = parse(argv)
    # The agent's own lines at the chosen level; libraries only from WARNING up (python-escpos logs
    # every printer connection it closes at INFO on the root logger).
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("motcua").setLevel(settings["log_level"].upper())
    from .agent import Agent

    try:
        agent = Agent(settings["server"], settings["token"], settings["printer"],
                      pathlib.Path(settings["state_dir"]), timeout=settings["timeout"],
                      poll_s=settings["poll"], status_s=settings["status_every"])
    except ValueError as exc:  # a malformed printer URL names the setting
        logging.getLogger("motcua.agent").error("%s", exc)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: agent.shutdown())
    signal.signal(signal.SIGINT, lambda *_: agent.shutdown())
    agent.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
