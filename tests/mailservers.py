"""Real mail servers for the tests: a private Dovecot (IMAP) and a private Postfix.

Each runs from a throwaway directory with its own configuration, on free loopback ports,
and is stopped at the end. Nothing touches /etc/dovecot, /etc/postfix or the system-wide
daemons (which `scripts/setup.sh` keeps stopped). Both work as root (CI) and, for Dovecot,
as an ordinary user.
"""

from __future__ import annotations

import base64
import ctypes
import datetime as dt
import ipaddress
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import jwt
from imapclient import IMAPClient

from tests.support import free_port

DOVECOT = "/usr/sbin/dovecot"
POSTFIX = "/usr/sbin/postfix"
GOOGLE_AUDIENCE = "https://oauth2.googleapis.com/token"  # what Google checks in the JWT


def _wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}")


def _die_with_parent() -> None:
    """preexec_fn: the server gets SIGTERM if the test process dies (no stray daemons)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class TokenServer:
    """A tiny OAuth2 token introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb.

    `tokens` maps an access token to the user it belongs to; a token not in it (or revoked)
    is answered `{"active": false}`, like an expired token at Microsoft or Google.
    """

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.requests = 0
        self.google_keys: dict[str, str] = {}  # service-account email -> public key PEM
        self.issued: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                outer.requests += 1
                if self.path == "/token":
                    status, body = outer.google_token(form)
                else:
                    token = (form.get("token") or [""])[0]
                    user = outer.tokens.get(token)
                    status = 200
                    body = {"active": True, "username": user} if user else {"active": False}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/introspect"
        self.token_url = f"http://127.0.0.1:{self.server.server_port}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def google_token(self, form: dict) -> tuple[int, dict]:
        """Google's OAuth2 token endpoint for a service account (JWT bearer grant, RFC 7523):
        the assertion must be signed by a key we know, for Google, with the mail scope."""
        assertion = (form.get("assertion") or [""])[0]
        try:
            issuer = jwt.decode(assertion, verify=False)["iss"]
            claims = jwt.decode(assertion, certs=self.google_keys[issuer], audience=GOOGLE_AUDIENCE)
        except (KeyError, ValueError) as error:
            return 400, {"error": "invalid_grant", "error_description": str(error)[:100]}
        if "https://mail.google.com/" not in claims.get("scope", "").split():
            return 400, {"error": "invalid_scope"}
        token = f"ya29.test-{len(self.issued)}-{os.urandom(4).hex()}"
        self.issued.append(token)
        self.tokens[token] = claims["sub"]
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def google_service_account(
        self, email: str = "helpdesk@project.iam.gserviceaccount.com"
    ) -> dict:
        """A service-account key (JSON) whose signatures this server accepts."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.google_keys[email] = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        return {
            "type": "service_account",
            "project_id": "project",
            "private_key_id": "k1",
            "private_key": private,
            "client_email": email,
            "client_id": "1",
            "token_uri": self.token_url,
        }

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, as PEM files (the cert is its CA)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class MicrosoftStub:
    """Microsoft identity platform's endpoints that `msal` uses for client credentials, over
    HTTPS with a self-signed certificate: OpenID discovery and the v2.0 token endpoint.

    `apps` maps client_id -> (client secret, mailbox user); an issued token is registered
    with the TokenServer so Dovecot's introspection accepts it for that mailbox.
    """

    def __init__(self, token_server: TokenServer, directory: Path) -> None:
        self.apps: dict[str, tuple[str, str]] = {}
        self.token_server = token_server
        self.cert, key = self_signed_certificate(directory)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                tenant = self.path.strip("/").split("/")[0]
                base = f"{outer.url}/{tenant}"
                self._json(
                    200,
                    {
                        "issuer": f"{base}/v2.0",
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "token_endpoint": f"{base}/oauth2/v2.0/token",
                        "token_endpoint_auth_methods_supported": ["client_secret_post"],
                    },
                )

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                app = outer.apps.get(form.get("client_id", ""))
                if form.get("grant_type") != "client_credentials" or not app:
                    return self._json(400, {"error": "unauthorized_client"})
                if form.get("client_secret") != app[0]:
                    return self._json(
                        401,
                        {
                            "error": "invalid_client",
                            "error_description": "AADSTS7000215: Invalid client secret provided.",
                        },
                    )
                if "https://outlook.office365.com/.default" not in form.get("scope", ""):
                    return self._json(400, {"error": "invalid_scope"})
                token = f"eyJ0-test-{os.urandom(6).hex()}"
                outer.token_server.tokens[token] = app[1]
                return self._json(
                    200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
                )

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Dovecot:
    """A private Dovecot: IMAP on a free port, Maildir store and passwd-file in a temp dir.

    Users are added with `add_user`; OAuth2 bearer tokens are checked by `TokenServer`.
    """

    def __init__(self, token_server: TokenServer | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hd-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()  # IMAP (STARTTLS offered, plain text allowed: tests)
        self.tls_port = free_port()  # IMAPS (implicit TLS)
        self.token_server = token_server
        self.users: dict[str, str] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("mail")  # Dovecot never opens mail as root
            self.internal_user, self.login_user = "dovecot", "dovenull"
        else:
            account = pwd.getpwuid(os.geteuid())
            self.internal_user = self.login_user = account.pw_name
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.config = self.root / "dovecot.conf"
        self.passwd = self.root / "passwd"
        self.passwd.mkdir()
        self.mail = self.root / "mail"
        self.log = self.root / "dovecot.log"
        self.auth_socket = self.root / "auth-postfix"  # Postfix's SASL asks Dovecot
        self.process: subprocess.Popen | None = None
        self.ca_file = self.root / "cert.pem"

    def _write_config(self) -> None:
        if not (self.root / "cert.pem").exists():
            self.ca_file, _key = self_signed_certificate(self.root)
        self.mail.mkdir(exist_ok=True)
        os.chown(self.mail, self.uid, self.gid)
        self.passwd.mkdir(exist_ok=True)
        oauth = ""
        mechanisms = "plain login"
        if self.token_server:
            mechanisms += " xoauth2 oauthbearer"
            ext = self.root / "oauth2.conf.ext"
            ext.write_text(
                f"introspection_mode = post\nintrospection_url = {self.token_server.url}\n"
                "username_attribute = username\nactive_attribute = active\n"
                "active_value = true\nforce_introspection = yes\n"
            )
            oauth = (
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                f"  args = {ext}\n}}\n"
            )
        self.config.write_text(
            f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.root}/cert.pem
ssl_key = <{self.root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
default_internal_user = {self.internal_user}
default_login_user = {self.login_user}
first_valid_uid = {self.uid}
mail_location = maildir:{self.mail}/%u
mail_fsync = never
auth_verbose = yes
auth_failure_delay = 0 secs
login_trusted_networks = 127.0.0.0/8
imap_idle_notify_interval = 120 secs
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {self.passwd}/%u
}}
{oauth}userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={self.mail}/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
  process_min_avail = 1
}}
service auth {{
  unix_listener {self.root}/auth-postfix {{
    mode = 0666
  }}
}}
service anvil {{
  chroot =
  # no growing delay after failed logins from 127.0.0.1: the tests fail logins on purpose
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
"""
        )

    def add_user(self, user: str, password: str) -> None:
        """Add (or change) a mailbox account; Dovecot rereads the passwd-file by itself."""
        self.users[user] = password
        # one passwd-file per user: Dovecot rereads a changed file at most once a second
        fresh = self.passwd / f"{user}.new"
        fresh.write_text(f"{user}:{{PLAIN}}{password}::::::\n")
        fresh.replace(self.passwd / user)

    def start(self) -> None:
        self._write_config()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads involved in the child
        )
        try:
            _wait_port(self.port)
        except RuntimeError as error:
            raise RuntimeError(f"Dovecot did not start: {self.log_text()}") from error

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no log)"

    # helpers for tests -----------------------------------------------------------------
    def client(self, user: str):
        """A logged-in imapclient connection (plain: the test server has no TLS)."""
        imap = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        imap.login(user, self.users[user])
        return imap

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        with self.client(user) as imap:
            imap.append(folder, raw)

    def reset_mailbox(self, user: str) -> None:
        """Delete a user's whole store (between tests); a new one starts at UIDVALIDITY anew."""
        target = self.mail / user
        if target.exists():
            subprocess.run(
                ["doveadm", "-c", str(self.config), "kick", user],
                capture_output=True,
                check=False,
            )
            shutil.rmtree(target, ignore_errors=True)


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (what a client sends; for checking by hand)."""
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


class Postfix:
    """A private Postfix: its own config dir, queue and data dir, SMTP on a free port.

    It relays mail for `domain` to our LMTP server exactly as the README tells production
    users (`virtual_transport = lmtp:inet:…`, `lmtp_destination_recipient_limit = 1`).
    """

    def __init__(
        self,
        *,
        domain: str,
        lmtp_port: int,
        authserv_id: str,
        relay_port: int | None = None,
        sasl_socket: Path | None = None,
        tls_files: tuple[Path, Path] | None = None,
    ) -> None:
        if os.geteuid() != 0:
            raise RuntimeError("the Postfix tests need root (as in CI)")
        self.root = Path(tempfile.mkdtemp(prefix="hd-postfix-"))
        (self.root / "owner.pid").write_text(str(os.getpid()))  # see stop_orphans
        self.root.chmod(0o755)
        self.config_dir = self.root / "etc"
        self.queue_dir = self.root / "spool"
        self.data_dir = self.root / "data"
        self.port = free_port()
        self.domain = domain
        self.lmtp_port = lmtp_port
        self.authserv_id = authserv_id
        self.relay_port = relay_port  # mail for other domains goes here (the test mail sink)
        self.sasl_socket = sasl_socket  # Dovecot's auth socket: SMTP AUTH on the submission port
        self.submission_port = free_port()  # STARTTLS required
        self.smtps_port = free_port()  # implicit TLS
        self.tls_files = tls_files or self_signed_certificate(self.root)

    def _postconf(self, *args: str) -> str:
        return subprocess.run(
            ["postconf", "-c", str(self.config_dir), *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def _write_config(self) -> None:
        self.config_dir.mkdir(exist_ok=True)
        for name in (self.queue_dir, self.data_dir):
            name.mkdir(exist_ok=True)
        postfix_user = pwd.getpwnam("postfix")
        os.chown(self.data_dir, postfix_user.pw_uid, postfix_user.pw_gid)
        # Forged Authentication-Results claiming to be from our own MX are removed, as a
        # DMARC milter would (RFC 8601 section 5); only headers our MTA adds are believed.
        (self.config_dir / "header_checks").write_text(
            f"/^Authentication-Results:\\s*{self.authserv_id.replace('.', '[.]')}\\b/ IGNORE\n"
        )
        (self.config_dir / "main.cf").write_text(
            f"""
compatibility_level = 3.6
queue_directory = {self.queue_dir}
data_directory = {self.data_dir}
mail_owner = postfix
setgid_group = postdrop
myhostname = {self.authserv_id}
mydomain = {self.domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = {self.root}/postfix.log
maillog_file_prefixes = {self.root}
smtputf8_enable = yes
virtual_mailbox_domains = {self.domain}
virtual_transport = lmtp:inet:127.0.0.1:{self.lmtp_port}
lmtp_destination_recipient_limit = 1
header_checks = regexp:{self.config_dir}/header_checks
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
message_size_limit = 52428800
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
lmtp_connect_timeout = 5s
biff = no
alias_maps =
alias_database =
local_recipient_maps =
{f"relayhost = [127.0.0.1]:{self.relay_port}" if self.relay_port else ""}
"""
        )
        master = Path("/usr/share/postfix/master.cf.dist").read_text()
        lines = []
        for line in master.splitlines():
            fields = line.split()
            if fields and not line.startswith((" ", "\t", "#")):
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = f"127.0.0.1:{self.port}"
                if len(fields) >= 8:
                    fields[4] = "n"  # no chroot: our queue dir is not under /var/spool
                if fields[0] == "postlog":
                    continue
                line = "  ".join(fields)
            lines.append(line)
        lines.append("postlog   unix-dgram n  -       n       -       1       postlogd")
        if self.sasl_socket:
            # submission as a provider runs it: TLS first (STARTTLS on 587-style, implicit
            # TLS on 465-style), then sign in (PLAIN, LOGIN or XOAUTH2, checked by Dovecot),
            # then relay. The certificate is the one of `tls_files` (a private CA).
            cert, key = self.tls_files
            common = [
                "  -o smtpd_sasl_auth_enable=yes",
                "  -o smtpd_sasl_type=dovecot",
                f"  -o smtpd_sasl_path={self.sasl_socket}",
                "  -o smtpd_sasl_security_options=noanonymous",
                f"  -o smtpd_tls_cert_file={cert}",
                f"  -o smtpd_tls_key_file={key}",
                "  -o smtpd_tls_auth_only=yes",
                "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject",
                "  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject",
                "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject",
            ]
            lines += [
                f"127.0.0.1:{self.submission_port} inet n - n - - smtpd",
                "  -o syslog_name=postfix/submission",
                "  -o smtpd_tls_security_level=encrypt",
                *common,
                f"127.0.0.1:{self.smtps_port} inet n - n - - smtpd",
                "  -o syslog_name=postfix/smtps",
                "  -o smtpd_tls_wrappermode=yes",
                *common,
            ]
        (self.config_dir / "master.cf").write_text("\n".join(lines) + "\n")

    @staticmethod
    def stop_orphans() -> None:
        """Stop Postfixes left by test runs that were killed (their pytest is gone)."""
        for root in Path(tempfile.gettempdir()).glob("hd-postfix-*"):
            try:
                owner = int((root / "owner.pid").read_text())
                os.kill(owner, 0)
                continue  # its test run is still going
            except (OSError, ValueError):
                pass
            subprocess.run(
                [POSTFIX, "-c", str(root / "etc"), "stop"], capture_output=True, check=False
            )
            shutil.rmtree(root, ignore_errors=True)

    def start(self) -> None:
        if not (self.config_dir / "main.cf").exists():
            self._write_config()
        env = {**os.environ, "MAIL_CONFIG": str(self.config_dir)}
        subprocess.run(
            [POSTFIX, "-c", str(self.config_dir), "set-permissions"],
            capture_output=True,
            env=env,
            check=False,
        )
        result = subprocess.run(
            [POSTFIX, "-c", str(self.config_dir), "start"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"Postfix did not start: {result.stderr}{self.log_text()}")
        _wait_port(self.port)

    def stop(self) -> None:
        subprocess.run(
            [POSTFIX, "-c", str(self.config_dir), "stop"], capture_output=True, check=False
        )

    def flush(self) -> None:
        """Ask Postfix to retry deferred mail now (`postqueue -f`)."""
        subprocess.run(
            ["postqueue", "-c", str(self.config_dir), "-f"], capture_output=True, check=False
        )

    def queue(self) -> str:
        return subprocess.run(
            ["postqueue", "-c", str(self.config_dir), "-p"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    def queue_empty(self) -> bool:
        return "Mail queue is empty" in self.queue()

    def log_text(self) -> str:
        log = self.root / "postfix.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
