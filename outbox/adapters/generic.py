"""Outbox room, the generic adapter: each outbox record as the JSON documented in docs/API.md
("Hand-off to the provincial system"), and as one flat row for CSV and xlsx."""

from __future__ import annotations

import json

from rules import dossier as dossier_rules
from rules import rating as scale_rules

NAME = "Chung (JSON theo tài liệu API)"


def document(item) -> dict:
    """The record as the export API and the push send it: its payload, its number and when it was made."""
    return dict(item.payload, seq=item.seq, key=item.key, type=item.kind,
                created_at=item.created_at.isoformat(timespec="seconds") + "Z")


def push_request(item, office) -> tuple[bytes, dict]:
    """The body of one pushed record (UTF-8 JSON) and the format's own headers (none)."""
    return json.dumps(document(item), ensure_ascii=False, separators=(",", ":")).encode("utf-8"), {}


# (heading, how to read it from a document)
COLUMNS = [
    ("Số thứ tự bản ghi (seq)", lambda d: d["seq"]),
    ("Khóa (idempotency key)", lambda d: d["key"]),
    ("Loại", lambda d: {"rating": "Đánh giá", "dossier": "Mã hồ sơ"}.get(d["type"], d["type"])),
    ("Ghi lúc (UTC)", lambda d: d["created_at"]),
    ("Mã đơn vị", lambda d: d["office"]["code"]),
    ("Đơn vị", lambda d: d["office"]["name"]),
    ("Ngày", lambda d: d["visit"]["day"]),
    ("Số thứ tự", lambda d: d["visit"]["number"]),
    ("Mã hồ sơ", lambda d: d.get("dossier_code")),
    ("Tiếp nhận/trả kết quả", lambda d: dossier_rules.kind_word(d["dossier_kind"]) if d.get("dossier_kind") else ""),
    ("Đã gỡ", lambda d: "Có" if d.get("removed") else ""),
    ("Mã lĩnh vực", lambda d: (d.get("field") or {}).get("code")),
    ("Lĩnh vực", lambda d: (d.get("field") or {}).get("name")),
    ("Quầy", lambda d: (d.get("counter") or {}).get("number")),
    ("Tên đăng nhập cán bộ", lambda d: (d.get("clerk") or {}).get("username")),
    ("Cán bộ", lambda d: (d.get("clerk") or {}).get("full_name")),
    ("Mức", lambda d: (d.get("rating") or {}).get("level")),
    ("Thang", lambda d: (d.get("rating") or {}).get("scale")),
    ("Đánh giá", lambda d: (d.get("rating") or {}).get("label")),
    ("Nhóm báo cáo", lambda d: (d.get("rating") or {}).get("group_label")),
    ("Tính là không hài lòng (QĐ 766)", lambda d: _yes((d.get("rating") or {}).get("counts_against_index"))),
    ("Kênh", lambda d: scale_rules.channel_word((d.get("rating") or {}).get("channel"))),
    ("Lý do", lambda d: "; ".join((d.get("rating") or {}).get("reasons") or [])),
    ("Góp ý", lambda d: (d.get("rating") or {}).get("comment")),
    ("Đánh giá lúc (UTC)", lambda d: (d.get("rating") or {}).get("rated_at")),
]


def _yes(value) -> str:
    """Có / Không for a yes-no column; blank when the record has no such value."""
    return "" if value is None else ("Có" if value else "Không")


def row(item) -> list:
    """One record as a flat row of plain values (the file writers keep typed text from running as a formula)."""
    doc = document(item)
    return [read(doc) for _heading, read in COLUMNS]
