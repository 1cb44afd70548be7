"""Server room: configuration, the app factory, CLI commands; ``python server.py`` serves.

``python server.py`` runs the eventlet server (seeding the demo office on an empty database
unless ``--no-demo``); ``python server.py <command>`` runs a CLI command (init-db,
create-admin, seed-demo, backup, print-test), the same as ``flask --app server <command>``.
"""

import os
import sys

# Monkey-patching must happen before anything else imports socket/threading; the mode is the
# one setting read here rather than in Config because Config's module imports come later.
if __name__ == "__main__" and os.environ.get("ASYNC_MODE", "eventlet") == "eventlet":
    import warnings

    # eventlet is the mandated server; its deprecation notice is not news to an office clerk.
    warnings.filterwarnings("ignore", message=".*Eventlet is deprecated.*")
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
from flask import Flask, g, jsonify, render_template, request  # noqa: E402
from werkzeug.exceptions import HTTPException  # noqa: E402
from werkzeug.routing import IntegerConverter  # noqa: E402

import errors  # noqa: E402
import models  # noqa: E402
import realtime  # noqa: E402
import security  # noqa: E402
import ticketing  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent
ROOMS = ("api", "kiosk", "display", "counter", "rating", "admin", "reports", "province")
log = logging.getLogger("motcua")


def _secret_key(instance_dir: pathlib.Path) -> str:
    """A persistent random secret in the instance folder, so restarts keep sessions."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
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

    def as_mapping(self) -> dict:
        """The settings as a Flask config mapping."""
        mapping = {k: v for k, v in vars(self).items() if k.isupper()}
        mapping.update(
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            MAX_CONTENT_LENGTH=2 * 1024 * 1024,
            JSON_AS_ASCII=False,
            SOCKETIO_CORS=[],
        )
        return mapping


def create_app(config=None) -> Flask:
    """Build the Flask app; ``config`` overrides settings (tests pass a mapping)."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.from_mapping(Config().as_mapping())
    if config:
        app.config.from_mapping(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(pathlib.Path(app.config["INSTANCE_DIR"]))
    app.json.ensure_ascii = False
    # Ids beyond a 32-bit integer cannot exist; refusing them in routing keeps them away from
    # the database driver (SQLite raises OverflowError on 64-bit overflow).
    app.url_map.converters["int"] = BoundedIntConverter
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    models.db.initialize(models.make_database(app.config["DATABASE_URL"]))
    _init_request_hooks(app)
    _init_errors(app)
    realtime.init_app(app)
    for module in import_rooms():
        blueprint = getattr(module, "bp", None)
        if blueprint is not None:
            app.register_blueprint(blueprint)
    _init_cli(app)
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
        return error_response(exc.code, exc.message, exc.status, **exc.extra)

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

    models.create_tables()
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
    """CLI: init-db, create-admin, seed-demo, backup."""

    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the database schema."""
        models.create_tables()
        click.echo(f"Database ready: {app.config['DATABASE_URL']}")

    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--office-name", default="")
    def create_admin(username, password, office_name):
        """Create an administrator (and an office if none exists)."""
        models.create_tables()
        with models.connection(), models.db.atomic():
            office = models.Office.select().first()
            if office is None:
                office = models.Office.create(name=office_name or "Trung tâm Phục vụ hành chính công xã")
            if models.User.select().where(models.User.username == username).exists():
                raise click.ClickException(f"User {username!r} already exists")
            models.User.create(
                office=office, username=username, full_name=username, role="admin",
                password_hash=security.hash_password(password),
            )
        click.echo(f"Admin {username} created for office {office.name}")

    @app.cli.command("seed-demo")
    def seed_demo_cmd():
        """Seed the demo office (refuses if offices already exist)."""
        import demo as demo_module

        models.create_tables()
        with models.connection():
            if models.Office.select().exists():
                raise click.ClickException("Database already has an office; demo not seeded.")
            demo_module.seed_demo(pathlib.Path(app.config["INSTANCE_DIR"]))
        click.echo(demo_module.screen_urls(app.config, pathlib.Path(app.config["INSTANCE_DIR"])))

    @app.cli.command("print-test")
    def print_test():
        """Print a test page on the PRINTER setting now and show the printer's status."""
        import datetime as dt

        from kiosk import printing

        import background

        if app.config["PRINTER"] == "none":
            raise click.ClickException("PRINTER=none: set PRINTER, e.g. network://192.168.1.50:9100")
        printer = background.open_configured_printer(app)
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
        """Online backup of the SQLite database to TARGET (safe while serving)."""
        if not models.is_sqlite():
            raise click.ClickException("backup is for SQLite; use pg_dump for PostgreSQL.")
        import sqlite3

        with models.connection():
            source = models.db.connection()
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)
            dest.close()
        click.echo(f"Backup written to {target}")


def serve(argv: list[str]) -> None:
    """Run the real server: schema, optional demo, background tasks, eventlet Socket.IO."""
    import demo as demo_module

    demo = "--no-demo" not in argv
    app = create_app()
    for note in prepare_database(app, demo):
        click.echo(note)
    if app.config["BACKGROUND_TASKS"]:
        import background

        background.start(app)
    click.echo(demo_module.screen_urls(app.config, pathlib.Path(app.config["INSTANCE_DIR"])))
    extra = {"max_size": app.config["MAX_CONNECTIONS"]} if app.config["ASYNC_MODE"] == "eventlet" else {}
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # generations, so full collections under load scan only request garbage (shorter pauses).
    gc.collect()
    gc.freeze()
    realtime.socketio.run(app, host=app.config["HOST"], port=app.config["PORT"], log_output=False, **extra)


def main(argv: list[str]) -> None:
    """``python server.py`` serves; ``python server.py <command>`` runs a CLI command."""
    if argv and not argv[0].startswith("-"):
        create_app().cli.main(args=argv, prog_name="python server.py")
    else:
        serve(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
