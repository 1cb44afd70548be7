"""Demo room: seeds a commune one-stop office (11 fields, real procedures, counters, devices)."""

from __future__ import annotations

import pathlib

import baseurl
import security
from models import (
    DEFAULT_DAILY_CAP,
    Counter,
    CounterField,
    Device,
    Field,
    Office,
    PriorityCategory,
    Procedure,
    User,
    UserCounter,
    db,
)

DEMO_PASSWORD = "motcua2026"

# (code, name, English name, procedures: (name, legal time, fee, documents))
FIELDS = [
    ("HT", "Tư pháp - Hộ tịch", "Justice - Civil status", [
        ("Đăng ký khai sinh", "Trong ngày (sau 15 giờ: ngày làm việc tiếp theo)", "Miễn phí khi đăng ký đúng hạn",
         "Tờ khai đăng ký khai sinh\nGiấy chứng sinh\nGiấy tờ tùy thân của người đi đăng ký"),
        ("Đăng ký kết hôn", "Ngay khi nhận đủ hồ sơ; tối đa 5 ngày làm việc nếu cần xác minh", "Miễn phí",
         "Tờ khai đăng ký kết hôn\nGiấy tờ tùy thân của hai bên\nGiấy xác nhận tình trạng hôn nhân (nếu cư trú nơi khác)"),
        ("Đăng ký khai tử", "Trong ngày (sau 15 giờ: ngày làm việc tiếp theo)", "Miễn phí khi đăng ký đúng hạn",
         "Tờ khai đăng ký khai tử\nGiấy báo tử hoặc giấy tờ thay thế"),
        ("Cấp bản sao trích lục hộ tịch", "Trong ngày", "Theo quy định của tỉnh",
         "Tờ khai cấp bản sao trích lục hộ tịch\nGiấy tờ tùy thân"),
    ]),
    ("CT", "Chứng thực", "Certification", [
        ("Chứng thực bản sao từ bản chính", "Trong ngày; có thể kéo dài đến 2 ngày làm việc",
         "2.000 đ/trang cho trang 1-2, 1.000 đ/trang từ trang 3, tối đa 200.000 đ/bản", "Bản chính\nBản sao cần chứng thực"),
        ("Chứng thực chữ ký", "Trong ngày", "10.000 đ", "Giấy tờ tùy thân\nGiấy tờ, văn bản cần chứng thực chữ ký"),
    ]),
    ("DD", "Đất đai", "Land", [
        ("Hòa giải tranh chấp đất đai", "45 ngày", "Không", "Đơn yêu cầu hòa giải tranh chấp đất đai"),
        ("Xác nhận hiện trạng sử dụng đất", "5 ngày làm việc", "Không", "Đơn đề nghị xác nhận\nGiấy tờ về quyền sử dụng đất (nếu có)"),
    ]),
    ("LD", "Lao động - Thương binh và Xã hội (Người có công)", "Labour, Invalids and Social Affairs", [
        ("Xác nhận hồ sơ đề nghị hưởng chế độ người có công", "5 ngày làm việc", "Không",
         "Đơn đề nghị\nGiấy tờ chứng minh"),
    ]),
    ("BT", "Bảo trợ xã hội", "Social protection", [
        ("Xác định mức độ khuyết tật", "20 ngày làm việc", "Không", "Đơn đề nghị xác định mức độ khuyết tật\nBản sao hồ sơ bệnh án (nếu có)"),
        ("Hỗ trợ chi phí mai táng", "5 ngày làm việc", "Không", "Tờ khai đề nghị hỗ trợ chi phí mai táng\nBản sao giấy chứng tử"),
    ]),
    ("VH", "Văn hóa - Thể thao", "Culture - Sports", [
        ("Công nhận gia đình văn hóa", "5 ngày làm việc", "Không", "Bản đăng ký tham gia\nBáo cáo thành tích"),
    ]),
    ("NN", "Nông nghiệp", "Agriculture", [
        ("Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai", "Theo quy định", "Không", "Đơn đề nghị hỗ trợ"),
    ]),
    ("XD", "Xây dựng", "Construction", [
        ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "15 ngày", "Theo quy định của tỉnh",
         "Đơn đề nghị cấp giấy phép xây dựng\nGiấy tờ về quyền sử dụng đất\nBản vẽ thiết kế"),
    ]),
    ("GD", "Giáo dục và Đào tạo", "Education and Training", [
        ("Chuyển trường đối với học sinh tiểu học", "6 ngày làm việc", "Không", "Đơn xin chuyển trường\nHọc bạ"),
    ]),
    ("TD", "Thi đua - Khen thưởng", "Emulation - Rewards", [
        ("Tặng giấy khen của Chủ tịch UBND xã", "20 ngày làm việc", "Không", "Tờ trình\nBáo cáo thành tích"),
    ]),
    ("YT", "Y tế", "Health", [
        ("Cấp giấy chứng sinh (tại trạm y tế)", "Trong ngày", "Không", "Giấy tờ tùy thân của mẹ"),
    ]),
]

COUNTERS = [
    (1, "Quầy Tư pháp - Hộ tịch", ["HT", "CT"]),
    (2, "Quầy Đất đai - Xây dựng", ["DD", "XD", "NN"]),
    (3, "Quầy Lao động - Xã hội", ["LD", "BT", "YT", "GD"]),
    (4, "Quầy tổng hợp", ["CT", "VH", "TD", "HT"]),
]

PRIORITIES = [
    ("cao_tuoi", "Người cao tuổi", "Elderly", "elderly"),
    ("khuyet_tat", "Người khuyết tật", "Person with disability", "disability"),
    ("mang_thai", "Phụ nữ mang thai", "Pregnant woman", "pregnant"),
    ("co_cong", "Người có công với cách mạng", "Person with meritorious service", "merit"),
    ("tre_nho", "Người bế trẻ nhỏ", "Carrying a small child", "child"),
]


def seed_demo(instance_dir: pathlib.Path) -> dict:
    """Create the demo office and write its device pairing links to the instance folder."""
    links = {}
    with db.atomic():
        office = Office.create(
            name="Trung tâm Phục vụ hành chính công xã Thanh Xương",
            address="Xã Thanh Xương, tỉnh Điện Biên",
            # The demo answers at any hour so it can be tried now; real hours are set in /admin.
            open_time="00:00", close_time="23:59", cutoff_time="23:59",
            working_days=[1, 2, 3, 4, 5, 6, 7],
            notices="Giờ làm việc: sáng 7:30 - 11:30, chiều 13:30 - 17:00, thứ Hai đến thứ Sáu. "
                    "Công dân vui lòng chuẩn bị đầy đủ giấy tờ theo danh mục thủ tục.",
        )
        fields = {}
        for index, (code, name, name_en, procedures) in enumerate(FIELDS, start=1):
            field = Field.create(office=office, code=code, name=name, name_en=name_en,
                                 number_start=index * 1000 + 1, sort_order=index, daily_cap=DEFAULT_DAILY_CAP)
            fields[code] = field
            for order, (pname, time, fee, docs) in enumerate(procedures):
                Procedure.create(field=field, name=pname, processing_time=time, fee=fee, documents=docs,
                                 sort_order=order)
        for order, (code, name, name_en, icon) in enumerate(PRIORITIES):
            PriorityCategory.create(office=office, code=code, name=name, name_en=name_en, icon=icon, sort_order=order)
        password = security.hash_password(DEMO_PASSWORD)
        User.create(office=office, username="admin", full_name="Quản trị viên", role="admin", password_hash=password)
        User.create(office=office, username="lanhdao", full_name="Nguyễn Văn Lãnh", role="leader", password_hash=password)
        clerk_names = ["Trần Thị Hoa", "Lê Văn Bình", "Phạm Thị Mai", "Hoàng Văn Nam"]
        for number, name, codes in COUNTERS:
            counter = Counter.create(office=office, number=number, name=name, state="closed")
            for code in codes:
                CounterField.create(counter=counter, field=fields[code])
            clerk = User.create(office=office, username=f"canbo{number}", full_name=clerk_names[number - 1],
                                role="clerk", password_hash=password)
            UserCounter.create(user=clerk, counter=counter)
            links[f"tablet-{number}"] = _device(office, "tablet", f"Máy đánh giá quầy {number}", counter)
        links["kiosk"] = _device(office, "kiosk", "Kiosk sảnh chính")
        links["display"] = _device(office, "display", "Màn hình sảnh chính")
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "demo-links.txt"
    path.write_text("".join(f"{name} /pair/{token}\n" for name, token in links.items()))
    path.chmod(0o600)
    return links


def _device(office, kind, name, counter=None) -> str:
    """Create a device and return its token (shown once)."""
    token = security.new_device_token()
    Device.create(office=office, kind=kind, name=name, counter=counter, token_hash=security.hash_token(token))
    return token


def screen_urls(config, instance_dir: pathlib.Path) -> str:
    """Text telling where every screen is and how to log in."""
    host = config["HOST"] if config["HOST"] not in ("0.0.0.0", "::") else "127.0.0.1"
    base = f"http://{host}:{config['PORT']}"
    lines = [f"motcua đang chạy tại / serving at {base}"]
    if config["HOST"] in ("0.0.0.0", "::"):
        for address in baseurl.lan_addresses():
            lines.append(f"  trên mạng nội bộ / on the LAN: http://{address}:{config['PORT']}")
    path = instance_dir / "demo-links.txt"
    if path.exists():
        lines.append("Mở các liên kết ghép nối trên từng thiết bị / open each pairing link on its device:")
        for line in path.read_text().splitlines():
            name, link = line.split(" ", 1)
            lines.append(f"  {name:10s} {base}{link}")
        lines.append(f"Quầy / counter console: {base}/counter  (canbo1..canbo4, mật khẩu {DEMO_PASSWORD})")
        lines.append(f"Quản trị / admin: {base}/admin  (admin hoặc lanhdao, mật khẩu {DEMO_PASSWORD})")
    else:
        lines.append(f"Screens: {base}/kiosk  {base}/display  {base}/counter  {base}/rating  {base}/admin")
    return "\n".join(lines)
