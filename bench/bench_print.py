"""Printing room benchmark: time to render and ESC/POS-encode one ticket (goal: under 30 ms).

Run: .venv/bin/python bench/bench_print.py [--runs 200] [--paper 80] [--profile default]
Each run uses a different number and status URL (a real kiosk's QR is always new), while the
office and field names repeat as they do all day.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.printing.encode import encode_ticket, printable_width  # noqa: E402
from kiosk.printing.render import TicketPrint, render_ticket  # noqa: E402


def ticket(n: int) -> TicketPrint:
    """The n-th ticket of a busy morning."""
    return TicketPrint(
        office_name="Trung tâm Phục vụ hành chính công xã Điện Biên Đông",
        field_name="Tư pháp - Hộ tịch",
        display_number=f"{1000 + n}",
        priority_name="Người cao tuổi" if n % 5 == 0 else None,
        issued_at_local=f"08:{n % 60:02d} 27/11/2025",
        people_ahead=n % 17,
        estimated_wait_min=(n % 17) * 4,
        status_url=f"https://motcua.example.gov.vn/t/{n:06d}-Xy3abcDEFghiJKLmnoPQRstu",
        footer="Xin cảm ơn quý công dân!",
    )


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    """Time render + encode over N tickets and print median, p95 and max in ms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--paper", type=int, default=80, choices=(58, 80))
    parser.add_argument("--profile", default="default")
    args = parser.parse_args()
    width = printable_width(args.paper, args.profile)
    encode_ticket(render_ticket(ticket(0), width=width), args.profile)  # load fonts once
    render_ms, total_ms, size = [], [], 0
    for n in range(1, args.runs + 1):
        start = time.perf_counter()
        image = render_ticket(ticket(n), paper_mm=args.paper, width=width)
        mid = time.perf_counter()
        data = encode_ticket(image, args.profile)
        end = time.perf_counter()
        render_ms.append((mid - start) * 1000)
        total_ms.append((end - start) * 1000)
        size = len(data)
    print(f"bench_print: {args.runs} tickets, {args.paper} mm, {width} dots, profile {args.profile}, "
          f"~{size / 1024:.0f} KiB each")
    print(f"  render         median {statistics.median(render_ms):6.1f} ms   "
          f"p95 {percentile(render_ms, 95):6.1f} ms")
    print(f"  render+encode  median {statistics.median(total_ms):6.1f} ms   "
          f"p95 {percentile(total_ms, 95):6.1f} ms   max {max(total_ms):6.1f} ms   "
          f"(goal < 30 ms)")


if __name__ == "__main__":
    main()
