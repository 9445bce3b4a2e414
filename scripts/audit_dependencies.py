"""Check the installed packages against the Python Packaging Advisory Database with pip-audit.

Known vulnerabilities fail the check unless their id is in config/pip-audit-ignore.txt with
a reason. When the advisory service cannot be reached (every package comes back unaudited),
the check says so loudly and does not pass quietly; it fails when DEPENDENCY_AUDIT_REQUIRED=true
(set it where the build machine can reach the advisory service; machines that can reach only
the package index's simple API cannot, and there the audit is reported as not done).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "config" / "pip-audit-ignore.txt"


def accepted() -> dict[str, str]:
    """Advisory id -> the reason it is accepted; each line `ID  reason`, `#` for comments."""
    ids: dict[str, str] = {}
    for line in IGNORE_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{IGNORE_FILE.name}: {vuln_id} has no reason; say why it is accepted")
        ids[vuln_id] = reason.strip()
    return ids


def main() -> int:
    required = os.environ.get("DEPENDENCY_AUDIT_REQUIRED", "false") == "true"
    pip_audit = Path(sys.executable).parent / "pip-audit"
    done = subprocess.run(
        [str(pip_audit), "--local", "--skip-editable", "--progress-spinner", "off", "-f", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = None
    if report is None:
        message = (
            "pip-audit could not reach the advisory service: "
            + (done.stderr.strip().splitlines() or ["no output"])[-1]
        )
        return _unreached(message, required)

    ignore = accepted()
    found: list[str] = []
    unaudited: list[str] = []
    for dep in report["dependencies"]:
        if "skip_reason" in dep:
            unaudited.append(dep["name"])
            continue
        for vuln in dep.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            if ids & ignore.keys():
                continue
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            found.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    audited = len(report["dependencies"]) - len(unaudited)
    if found:
        print("Known vulnerabilities in installed packages:", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        print(f"Upgrade them, or accept each in {IGNORE_FILE.name} with a reason.", file=sys.stderr)
        return 1
    if audited == 0 and unaudited:
        return _unreached(
            f"pip-audit could not look up any of the {len(unaudited)} installed packages "
            "(the advisory service is unreachable from here)",
            required,
        )
    print(f"pip-audit: {audited} packages audited, no unexplained vulnerabilities.")
    if unaudited:
        print(f"pip-audit: not audited (not on PyPI): {', '.join(unaudited)}")
    return 0


def _unreached(message: str, required: bool) -> int:
    if required:
        print(
            f"FAILED: {message}; DEPENDENCY_AUDIT_REQUIRED=true, so it cannot be skipped.",
            file=sys.stderr,
        )
        return 1
    print(
        f"WARNING: {message}; the dependency audit was NOT done "
        "(DEPENDENCY_AUDIT_REQUIRED=true makes this a failure).",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
