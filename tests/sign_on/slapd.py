"""A real OpenLDAP server for the tests: slapd on a loopback port, a seeded directory in a temp dir.

Debian's `slapd` and `ldap-utils` packages (.ci/run installs them); tests skip with a reason
where they are missing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else None)
SLAPADD = shutil.which("slapadd") or ("/usr/sbin/slapadd" if Path("/usr/sbin/slapadd").exists() else None)
MODULE_PATH = "/usr/lib/ldap"
SCHEMA = Path("/etc/ldap/schema")

SUFFIX = "dc=cxops,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-admin-secret"  # noqa: S105 (a throwaway test directory)
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"


def missing_reason() -> str | None:
    if SLAPD is None or SLAPADD is None:
        return "needs OpenLDAP's slapd (Debian packages slapd ldap-utils)"
    if not (Path(MODULE_PATH) / "back_mdb.so").exists() or not (SCHEMA / "core.schema").exists():
        return "needs slapd's back_mdb module and schema files (Debian package slapd)"
    try:
        import ldap  # noqa: F401
    except ImportError:
        return "needs python-ldap (pip install -e '.[dev]' with libldap-dev libsasl2-dev)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed_ldif(people: dict[str, tuple[str, str]], groups: dict[str, list[str]]) -> str:
    """people: uid → (password, display name); groups: cn → member uids."""
    entries = [
        f"dn: {SUFFIX}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\no: cxops\ndc: cxops\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
    ]
    for uid, (password, name) in people.items():
        given, _, family = name.partition(" ")
        entries.append(
            f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\n"
            f"givenName: {given}\nsn: {family or given}\nmail: {uid}@cxops.test\nuserPassword: {password}\n"
        )
    for cn, members in groups.items():
        # groupOfNames needs a member: the directory's admin is in every group, so the last person
        # can be removed from one.
        lines = f"member: {ROOT_DN}\n" + "".join(f"member: uid={uid},{PEOPLE}\n" for uid in members)
        entries.append(f"dn: cn={cn},{GROUPS}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}")
    return "\n".join(entries)


class Slapd:
    def __init__(self, directory: Path, ldif: str) -> None:
        self.directory = directory
        self.port = _free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        data = directory / "data"
        data.mkdir()
        conf = directory / "slapd.conf"
        conf.write_text(
            "\n".join(
                [
                    *(
                        f"include {SCHEMA / name}.schema"
                        for name in ("core", "cosine", "inetorgperson", "nis")
                    ),
                    f"modulepath {MODULE_PATH}",
                    "moduleload back_mdb",
                    f"pidfile {directory / 'slapd.pid'}",
                    "database mdb",
                    "maxsize 10485760",
                    f'suffix "{SUFFIX}"',
                    f'rootdn "{ROOT_DN}"',
                    f"rootpw {ROOT_PASSWORD}",
                    f"directory {data}",
                    "access to attrs=userPassword by anonymous auth by * none",
                    "access to * by * read",
                    "",
                ]
            )
        )
        (directory / "seed.ldif").write_text(ldif)
        subprocess.run(
            [SLAPADD, "-f", str(conf), "-l", str(directory / "seed.ldif")],
            check=True,
            capture_output=True,
        )
        self.log = open(directory / "slapd.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(conf), "-h", self.uri + "/", "-d", "0"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("slapd exited: " + (directory / "slapd.log").read_text(errors="replace"))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("slapd did not start listening")

    def admin(self):
        import ldap

        connection = ldap.initialize(self.uri)
        connection.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return connection

    def remove_member(self, group: str, uid: str) -> None:
        import ldap

        connection = self.admin()
        try:
            connection.modify_s(
                f"cn={group},{GROUPS}", [(ldap.MOD_DELETE, "member", [f"uid={uid},{PEOPLE}".encode()])]
            )
        finally:
            connection.unbind_s()

    def add_member(self, group: str, uid: str) -> None:
        import ldap

        connection = self.admin()
        try:
            connection.modify_s(
                f"cn={group},{GROUPS}", [(ldap.MOD_ADD, "member", [f"uid={uid},{PEOPLE}".encode()])]
            )
        finally:
            connection.unbind_s()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
