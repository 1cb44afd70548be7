"""Server room: configuration, the app factory, CLI commands; ``python server.py`` serves.

``python server.py`` runs the eventlet server (seeding the demo office on an empty database
unless ``--no-demo``; without it an empty database opens the first-run setup page, guarded by a
one-time code printed at start); ``python server.py <command>`` runs a CLI command (init-db,
create-admin, seed-demo, backup, restore, check-db, print-test), the same as
``flask --app server <command>``.
"""

import os
import sys

# Monkey-patching must happen before anything else imports socket/threading; the mode is the
# one setting read here rather than in Config because Config's module imports come later.
if __name__ == "__main__" and os.environ.get("ASYNC_MODE", "eventlet") == "eventlet":
    import warnings

    # eventlet is the mandated server; its deprecation notice is not news to an office clerk. (?s): the
    # notice starts with a newline, which a plain ".*" never crossed, so it was printed on every start.
    warnings.filterwarnings("ignore", message=r"(?s)\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    try:
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()
    except ImportError:  # pragma: no cover - psycogreen is pinned in requirements
        pass

import gc  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import pathlib  # noqa: E402
import secrets  # noqa: E402

import click  # noqa: E402
from flask import Flask, g, jsonify, make_response, render_template, request  # noqa: E402
from werkzeug.exceptions import HTTPException  # noqa: E402
from werkzeug.routing import IntegerConverter  # noqa: E402

import baseurl  # noqa: E402
import dbcheck  # noqa: E402
import errors  # noqa: E402
import migrations  # noqa: E402
import models  # noqa: E402
import realtime  # noqa: E402
import security  # noqa: E402
import ticketing  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent
ROOMS = ("api", "kiosk", "display", "counter", "rating", "admin", "reports", "province", "firstrun", "system",
         "dossiers", "outbox", "booking")
log = logging.getLogger("motcua")


def _secret_key(instance_dir: pathlib.Path) -> str:
    """A persistent random secret in the instance folder, so restarts keep sessions."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    baseurl.write_private(path, key)
    return key


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` URL parts: 0 .. 2**31-1, else the route does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        """Default the maximum to the largest 32-bit id."""
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class Config:
    """Every setting, read once from environment variables, with defaults for one office box."""

    def __init__(self, environ=None):
        """Read the settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        self.INSTANCE_DIR = pathlib.Path(env.get("INSTANCE_DIR", ROOT / "instance"))
        self.HOST = env.get("HOST", "0.0.0.0")
        self.PORT = int(env.get("PORT", "5000"))
        self.DATABASE_URL = env.get("DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'motcua.db'}")
        self.SECRET_KEY = env.get("SECRET_KEY") or None
        self.SOCKETIO_MESSAGE_QUEUE = env.get("SOCKETIO_MESSAGE_QUEUE", "")
        self.SOCKETIO_CHANNEL = env.get("SOCKETIO_CHANNEL", "flask-socketio")
        self.ASYNC_MODE = env.get("ASYNC_MODE", "eventlet")
        self.PRINTER = env.get("PRINTER", "none")
        self.PAPER_WIDTH_MM = int(env.get("PAPER_WIDTH_MM", "80"))
        self.PRINTER_PROFILE = env.get("PRINTER_PROFILE", "default")
        self.PRINTER_TIMEOUT = float(env.get("PRINTER_TIMEOUT", "3"))
        self.PRINTER_POLL_S = float(env.get("PRINTER_POLL_S", "15"))
        # A ticket job older than this is not printed (the citizen has long left the kiosk) and marked so.
        self.PRINT_MAX_AGE_S = float(env.get("PRINT_MAX_AGE_S", "180"))
        # QR codes and pairing links: this setting, else what the first-run setup saved (create_app reads
        # it), else this machine's LAN address; never a request's Host header (issue 13 row 9).
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "")
        self.BACKGROUND_TASKS = env.get("BACKGROUND_TASKS", "1") == "1"
        # Background work runs in the one process holding this lock (leader.py): auto|postgres|redis|file|none.
        self.LEADER_LOCK = env.get("LEADER_LOCK", "auto")
        self.LEADER_RETRY_S = float(env.get("LEADER_RETRY_S", "5"))
        self.LEADER_TTL_S = float(env.get("LEADER_TTL_S", "15"))
        self.LEADER_REDIS_URL = env.get("LEADER_REDIS_URL", "")
        # Simultaneous connections per process (every open Socket.IO WebSocket holds one); eventlet's own
        # default, 1024, stalls every request of a process serving about a thousand screens and phones.
        self.MAX_CONNECTIONS = int(env.get("MAX_CONNECTIONS", "5000"))
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO")
        self.SESSION_COOKIE_SECURE = env.get("SESSION_COOKIE_SECURE", "0") == "1"
        # Half-open connections (issue 13 row 5): a new connection has HEADER_TIMEOUT_S to send its request
        # line and headers, an idle keep-alive one IDLE_TIMEOUT_S; one source address holds at most
        # MAX_CONNECTIONS_PER_SOURCE (0 = half of MAX_CONNECTIONS) so it cannot take every slot.
        self.HEADER_TIMEOUT_S = float(env.get("HEADER_TIMEOUT_S", "10"))
        self.IDLE_TIMEOUT_S = float(env.get("IDLE_TIMEOUT_S", "75"))
        self.MAX_CONNECTIONS_PER_SOURCE = int(env.get("MAX_CONNECTIONS_PER_SOURCE", "0"))
        # Daily online backups of a SQLite database by the server itself (backups.py).
        self.BACKUP_ENABLED = env.get("BACKUP_ENABLED", "1") == "1"
        self.BACKUP_TIME = env.get("BACKUP_TIME", "12:30")
        self.BACKUP_DIR = env.get("BACKUP_DIR", "")  # empty: INSTANCE_DIR/backups
        self.BACKUP_KEEP = int(env.get("BACKUP_KEEP", "14"))
        # Monitoring: /api/health gives details to an admin session or "Authorization: Bearer <token>".
        self.MONITOR_TOKEN = env.get("MONITOR_TOKEN", "")
        # A screen whose clock differs from the server's by more than this is flagged on the status page.
        self.CLOCK_SKEW_S = float(env.get("CLOCK_SKEW_S", "120"))
        # Security (docs/SECURITY.md): a staff session unused this long ends; a kiosk issues at most this
        # many tickets a minute (0 = no limit); browsers' Socket.IO handshakes from other origins than the
        # server's own and PUBLIC_BASE_URL; reverse proxies in front whose X-Forwarded-For is believed.
        self.SESSION_IDLE_MINUTES = float(env.get("SESSION_IDLE_MINUTES", "480"))
        self.KIOSK_TICKETS_PER_MINUTE = int(env.get("KIOSK_TICKETS_PER_MINUTE", "10"))
        self.SOCKETIO_ALLOWED_ORIGINS = [o.strip() for o in env.get("SOCKETIO_ALLOWED_ORIGINS", "").split(",") if o.strip()]
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", "0"))

    def as_mapping(self) -> dict:
        """The settings as a Flask config mapping."""
        mapping = {k: v for k, v in vars(self).items() if k.isupper()}
        mapping.update(
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            MAX_CONTENT_LENGTH=2 * 1024 * 1024,
            JSON_AS_ASCII=False,
        )
        return mapping


def create_app(config=None) -> Flask:
    """Build the Flask app; ``config`` overrides settings (tests pass a mapping)."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.from_mapping(Config().as_mapping())
    if config:
        app.config.from_mapping(config)
    instance_dir = pathlib.Path(app.config["INSTANCE_DIR"])
    instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance_dir)
    # A PUBLIC_BASE_URL setting is fixed; without one, the first-run setup's choice is used.
    app.config["PUBLIC_BASE_URL_FIXED"] = bool(app.config.get("PUBLIC_BASE_URL"))
    if not app.config.get("PUBLIC_BASE_URL"):
        app.config["PUBLIC_BASE_URL"] = baseurl.saved(instance_dir)
    app.json.ensure_ascii = False
    # Ids beyond a 32-bit integer cannot exist; refusing them in routing keeps them away from
    # the database driver (SQLite raises OverflowError on 64-bit overflow).
    app.url_map.converters["int"] = BoundedIntConverter
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    models.db.initialize(models.make_database(app.config["DATABASE_URL"]))
    _init_request_hooks(app)
    _init_errors(app)
    # Blueprints first (kiosk makes its ``bp`` on first use, importing its /agent socket handlers): a
    # handler registered while a Socket.IO server exists goes to that server only, so a later app
    # (each test makes one) would lack it.
    blueprints = [getattr(module, "bp", None) for module in import_rooms()]
    realtime.init_app(app)
    for blueprint in blueprints:
        if blueprint is not None:
            app.register_blueprint(blueprint)
    _init_cli(app)

    @app.get("/favicon.ico")
    def favicon():
        """The icon every browser asks for (a 404 in each screen's log otherwise)."""
        return app.send_static_file("img/favicon.ico")

    return app


def import_rooms() -> list:
    """Import every room package present (each exposes its blueprint as ``bp``)."""
    modules = []
    for room in ROOMS:
        try:
            modules.append(importlib.import_module(room))
        except ModuleNotFoundError as exc:
            if exc.name != room:
                raise
    return modules


def _init_request_hooks(app: Flask) -> None:
    """Open the database per request, resolve who is asking, enforce CSRF on cookie writes."""

    @app.before_request
    def _before():
        g._db_opened = models.db.is_closed()
        if g._db_opened:
            models.db.connect()
        security.load_identity()
        security.check_csrf()

    @app.teardown_request
    def _teardown(_exc):
        if g.get("_db_opened") and not models.db.is_closed():
            models.db.close()

    @app.context_processor
    def _template_globals():
        return {"csrf_token": security.csrf_token, "current_user": g.get("user"), "current_device": g.get("device")}

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # No page of ours may be framed by another site (clickjacking the admin pages: issue 13 row 11).
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        return response


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors; browsers get a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(code: str, message: str, status: int, **extra):
    """One shape for every error: {"error": code, "message": text} as JSON or a page."""
    if wants_json():
        body = {"error": code, "message": message}
        body.update(extra)
        return jsonify(body), status
    return render_template("error.html", code=code, message=message, status=status), status


HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Vui lòng đăng nhập."),
    403: ("forbidden", "Bạn không có quyền truy cập."),
    404: ("not_found", "Không tìm thấy trang hoặc dữ liệu yêu cầu."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    413: ("too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Định dạng dữ liệu không được hỗ trợ."),
    429: ("too_many_requests", "Quá nhiều yêu cầu, xin thử lại sau."),
}


def _init_errors(app: Flask) -> None:
    """Domain errors and HTTP errors become the documented JSON shape; a 500 is logged as a bug."""

    @app.errorhandler(errors.DomainError)
    def _domain(exc):
        response = make_response(error_response(exc.code, exc.message, exc.status, **exc.extra))
        if "retry_after_s" in exc.extra:  # throttled logins, a kiosk over its rate (security.py)
            response.headers["Retry-After"] = str(exc.extra["retry_after_s"])
        return response

    @app.errorhandler(HTTPException)
    def _http(exc):
        code, message = HTTP_MESSAGES.get(exc.code, ("http_error", exc.description or "Lỗi."))
        return error_response(code, message, exc.code)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response("internal", "Lỗi hệ thống. Xin thử lại hoặc báo cán bộ kỹ thuật.", 500)


def prepare_database(app: Flask, demo: bool) -> list[str]:
    """Create/upgrade the schema; seed the demo office into an empty database. Returns notes."""
    import demo as demo_module

    migrations.upgrade()
    notes = []
    with models.connection():
        empty = not models.Office.select().exists()
        if demo and empty:
            demo_module.seed_demo(pathlib.Path(app.config["INSTANCE_DIR"]))
            notes.append("Đã tạo văn phòng demo / demo office seeded.")
        if not app.config["BACKGROUND_TASKS"]:
            # With background tasks on, the leader's rollover does this once across processes.
            for office in models.Office.select():
                ticketing.close_past_days(office.id)
    return notes


def _init_cli(app: Flask) -> None:
    """CLI: init-db, create-admin, seed-demo, backup, restore, check-db, print-test."""

    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the database schema."""
        migrations.upgrade()
        click.echo(f"Database ready: {app.config['DATABASE_URL']}")

    @app.cli.command("create-admin")
    @click.option("--username", prompt="Tên đăng nhập / username")
    @click.option("--password", prompt="Mật khẩu / password", hide_input=True, confirmation_prompt=True)
    @click.option("--full-name", default="", help="Họ và tên / full name (default: the username)")
    @click.option("--office-name", default="", help="Tên đơn vị, when the database has no office yet")
    def create_admin(username, password, full_name, office_name):
        """Create an administrator (and an office if none exists), with the admin page's password rule."""
        import re

        import passwords

        username = username.strip().lower()
        if not re.fullmatch(r"[a-z0-9._-]{3,64}", username):
            raise click.ClickException("Tên đăng nhập gồm 3-64 chữ thường không dấu, số, dấu chấm, - hoặc _.")
        problem = passwords.problem(password)
        if problem:
            raise click.ClickException(problem)
        migrations.upgrade()
        with models.connection(), models.db.atomic():
            office = models.Office.select().first()
            if office is None:
                office = models.Office.create(name=office_name.strip() or "Trung tâm Phục vụ hành chính công xã")
            if models.User.select().where(models.User.username == username).exists():
                raise click.ClickException(f"Tên đăng nhập {username!r} đã có / user {username!r} already exists")
            models.User.create(
                office=office, username=username, full_name=full_name.strip() or username, role="admin",
                password_hash=security.hash_password(password),
            )
        click.echo(f"Admin {username} created for office {office.name}")

    @app.cli.command("seed-demo")
    def seed_demo_cmd():
        """Seed the demo office (refuses if offices already exist)."""
        import demo as demo_module

        migrations.upgrade()
        with models.connection():
            if models.Office.select().exists():
                raise click.ClickException("Database already has an office; demo not seeded.")
            demo_module.seed_demo(pathlib.Path(app.config["INSTANCE_DIR"]))
        click.echo(demo_module.screen_urls(app.config, pathlib.Path(app.config["INSTANCE_DIR"])))

    @app.cli.command("print-test")
    def print_test():
        """Print a test page on the PRINTER setting now and show the printer's status."""
        import datetime as dt

        from kiosk import print_worker, printing

        if app.config["PRINTER"] == "none":
            raise click.ClickException("PRINTER=none: set PRINTER, e.g. network://192.168.1.50:9100")
        printer = print_worker.open_configured_printer(app)
        status = printer.status()
        click.echo(f"Printer {app.config['PRINTER']}: {status}")
        try:
            printer.send(printing.build_test_page(app.config["PAPER_WIDTH_MM"], app.config.get("PRINTER_PROFILE") or None,
                                                  printed_at=dt.datetime.now().strftime("%H:%M %d/%m/%Y")))
        except printing.PrinterError as exc:
            raise click.ClickException(f"Printing failed: {exc}") from exc
        click.echo("Test page sent.")

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False))
    def backup(target):
        """Online backup of the SQLite database to TARGET (safe while serving), then verified."""
        import backups

        source = dbcheck.sqlite_path(app.config["DATABASE_URL"])
        if source is None:
            raise click.ClickException("backup is for SQLite; use pg_dump for PostgreSQL (docs/DEPLOY.md).")
        target = pathlib.Path(target)
        if target.exists():
            raise click.ClickException(f"{target} already exists; choose a new file name.")
        migrations.upgrade()
        backups.copy_database(source, target)
        problems = dbcheck.integrity(target, full=True)
        if problems:
            raise click.ClickException(f"The backup failed its integrity check: {problems[:3]}")
        click.echo(f"Backup written to {target} ({target.stat().st_size} bytes, integrity ok)")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(dir_okay=False))
    def restore(source):
        """Replace the SQLite database with backup SOURCE (server stopped); the old files are kept aside."""
        import backups

        try:
            aside = backups.restore(app.config, source)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Đã khôi phục / restored {source} -> {dbcheck.sqlite_path(app.config['DATABASE_URL'])}")
        click.echo(f"Cơ sở dữ liệu cũ được giữ ở / the replaced database is kept in {aside}")

    @app.cli.command("check-db")
    def check_db():
        """Run SQLite's full integrity check on the database (what start-up runs quickly)."""
        try:
            dbcheck.check(app.config["DATABASE_URL"], full=True)
        except dbcheck.DatabaseDamaged as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Database ok: {app.config['DATABASE_URL']}")


def startup_text(app: Flask) -> str:
    """What start-up prints: where the screens are, the LAN URL, and the first-run setup code if any."""
    import demo as demo_module
    import firstrun

    lines = [demo_module.screen_urls(app.config, pathlib.Path(app.config["INSTANCE_DIR"]))]
    code = firstrun.startup_code(app)
    if code:
        base = baseurl.public_base_url(app)
        lines.append(f"Thiết lập lần đầu / first-run setup: mở {base}/setup và nhập mã {code}")
        lines.append(f"  (mã dùng một lần, chỉ in ở đây / one-time code, printed only here and in "
                     f"{pathlib.Path(app.config['INSTANCE_DIR']) / firstrun.CODE_FILE})")
    if app.config.get("PUBLIC_BASE_URL"):
        lines.append(f"Mã QR trỏ tới / QR codes point to: {app.config['PUBLIC_BASE_URL']}")
    return "\n".join(lines)


def serve(argv: list[str]) -> None:
    """Run the real server: integrity check, schema, optional demo, background tasks, eventlet Socket.IO."""
    import backups
    import httpguard

    demo = "--no-demo" not in argv
    app = create_app()
    try:
        dbcheck.check(app.config["DATABASE_URL"])
    except dbcheck.DatabaseDamaged as exc:
        click.echo(str(exc), err=True)
        sys.exit(3)
    # Held while serving: `server.py restore` refuses while any server process has it.
    app.extensions["motcua_server_lock"] = backups.hold_server_lock(app.config["INSTANCE_DIR"])
    for note in prepare_database(app, demo):
        click.echo(note)
    if app.config["BACKGROUND_TASKS"]:
        import background

        if backups.backup_loop not in background.TASKS:
            background.task(backups.backup_loop)
        background.start(app)
    click.echo(startup_text(app))
    extra = {}
    if app.config["ASYNC_MODE"] == "eventlet":
        extra = {"max_size": app.config["MAX_CONNECTIONS"], "protocol": httpguard.protocol_for(app.config)}
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # generations, so full collections under load scan only request garbage (shorter pauses).
    gc.collect()
    gc.freeze()
    realtime.socketio.run(app, host=app.config["HOST"], port=app.config["PORT"], log_output=False, **extra)


def main(argv: list[str]) -> None:
    """``python server.py`` serves; ``python server.py <command>`` runs a CLI command."""
    # Everything this process creates (instance folder, database, backups, keys) is private to its
    # user: 0700 folders, 0600 files, created so rather than chmod'ed after (issue 13 row 11).
    dbcheck.private_files()
    if argv and not argv[0].startswith("-"):
        from flask.cli import ScriptInfo

        app = create_app()
        # The commands need an app context; without a ScriptInfo that knows the app, Flask looked for
        # one on its own and every command failed as typed ("Could not locate a Flask application").
        app.cli.main(args=argv, prog_name="python server.py", obj=ScriptInfo(create_app=lambda: app))
    else:
        serve(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
