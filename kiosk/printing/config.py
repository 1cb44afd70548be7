"""Printing room: which printer a kiosk prints on (issue 14: printers belong to kiosks).

A kiosk device carries its printer in ``Device.settings["printer"]``:
``{"kind": "none|network|agent|browser", "url": "...", "paper_mm": 80|58, "profile": "TM-T88V"}``.

- ``network``  the server sends the bytes itself (``network://host:9100``, or any transport URL
  the server machine can open: ``usb://``, ``file://``, ``serial://``, ``cups://``);
- ``agent``    a printer attached to the kiosk PC, printed by the print agent running there
  (``python -m kiosk.agent``); ``url`` is only a note of what the agent drives;
- ``browser``  the kiosk's browser prints the server-rendered ticket image on the operating
  system's default printer (no install on the kiosk);
- ``none``     no printing.

A kiosk with no printer of its own falls back on the ``PRINTER`` setting when it is the first
kiosk of the server (the one-box install), and prints nothing otherwise. Pure functions: the
caller hands over the settings and the defaults; nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .encode import profile_names
from .transport import open_printer

KINDS = ("none", "network", "agent", "browser")
KIND_NAMES = {
    "none": "Không in phiếu",
    "network": "Máy in mạng (máy chủ gửi lệnh in)",
    "agent": "Máy in gắn vào kiosk (chương trình in trên kiosk)",
    "browser": "In qua trình duyệt của kiosk",
}
# The same, short, for a table cell.
KIND_SHORT = {"none": "Không in phiếu", "network": "Máy in mạng", "agent": "Máy in gắn vào kiosk",
              "browser": "In qua trình duyệt"}
PAPER_WIDTHS = (80, 58)


@dataclass(frozen=True)
class KioskPrinter:
    """The printer of one kiosk, as configured (or inherited from PRINTER)."""

    kind: str = "none"
    url: str = ""
    paper_mm: int = 80
    profile: str | None = None
    inherited: bool = False  # from the PRINTER setting, not the kiosk's own settings

    @property
    def queues_jobs(self) -> bool:
        """Tickets become print jobs (the server or the agent prints them)."""
        return self.kind in ("network", "agent")

    def as_dict(self) -> dict:
        """Plain JSON form (admin page, kiosk page, agent)."""
        return asdict(self)


def status_name(kiosk_id: int) -> str:
    """The PrinterStatus name of a kiosk's printer."""
    return f"kiosk:{kiosk_id}"


def kiosk_id_of(name: str) -> int | None:
    """The kiosk id in a PrinterStatus name, None for a printer not bound to a kiosk."""
    prefix, _, rest = (name or "").partition(":")
    return int(rest) if prefix == "kiosk" and rest.isdigit() else None


def validate(data) -> tuple[dict, dict]:
    """Check a printer setting from the admin; (clean value, {field: Vietnamese error})."""
    if not isinstance(data, dict):
        return {}, {"printer": "Cấu hình máy in phải là một đối tượng JSON."}
    errors: dict[str, str] = {}
    kind = data.get("kind", "none")
    if kind not in KINDS:
        errors["kind"] = "Kiểu máy in phải là một trong: " + ", ".join(KINDS) + "."
    url = data.get("url") or ""
    if not isinstance(url, str) or len(url) > 300:
        errors["url"] = "Địa chỉ máy in là một chuỗi tối đa 300 ký tự."
        url = ""
    url = url.strip()
    paper = data.get("paper_mm", 80)
    if isinstance(paper, str) and paper.isdigit():
        paper = int(paper)
    if paper not in PAPER_WIDTHS or isinstance(paper, bool):
        errors["paper_mm"] = "Khổ giấy là 80 hoặc 58 mm."
    profile = data.get("profile") or None
    if profile is not None and (not isinstance(profile, str) or profile not in profile_names()):
        errors["profile"] = "Không có cấu hình máy in (profile) này trong python-escpos."
    if kind == "network" and "url" not in errors:
        if not url or url.lower() == "none":
            errors["url"] = "Nhập địa chỉ máy in, ví dụ network://192.168.1.50:9100."
        else:
            try:
                open_printer(url, 1.0)
            except ValueError:
                # The transport's own message is English, for the PRINTER setting's readers (IT);
                # the admin reads what to type instead.
                errors["url"] = ("Địa chỉ máy in chưa đúng. Máy in mạng: network://192.168.1.50:9100 (địa chỉ IP "
                                 "của máy in, cổng 9100); máy in cắm vào máy chủ: usb://0x04b8:0x0202, "
                                 "file:///dev/usb/lp0, serial:///dev/ttyUSB0 hoặc cups://TEN-MAY-IN.")
    if errors:
        return {}, errors
    return {"kind": kind, "url": url if kind in ("network", "agent") else "", "paper_mm": paper,
            "profile": profile}, {}


def resolve(settings: dict | None, *, is_first_kiosk: bool, default_url: str = "none",
            default_paper_mm: int = 80, default_profile: str | None = None) -> KioskPrinter:
    """The printer a kiosk prints on: its own setting, else PRINTER for the first kiosk, else none."""
    own = (settings or {}).get("printer")
    if isinstance(own, dict):
        clean, errors = validate(own)
        if not errors:
            return KioskPrinter(kind=clean["kind"], url=clean["url"], paper_mm=clean["paper_mm"],
                                profile=clean["profile"])
        return KioskPrinter()
    if is_first_kiosk and default_url and default_url.strip().lower() != "none":
        return KioskPrinter(kind="network", url=default_url.strip(), paper_mm=int(default_paper_mm),
                            profile=default_profile or None, inherited=True)
    return KioskPrinter()
